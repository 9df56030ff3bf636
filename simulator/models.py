"""The simulator's state: accounts, what it received and sent, and faults to inject."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from .protocol import country_of

# An hour: a person who answers later is better simulated with scripts/simulate-reply.
MAX_ANSWER_DELAY: Final = 3600

type FaultKind = Literal["html", "empty", "status", "drop", "delay", "code", "json"]


@dataclass(slots=True)
class Account:
    """One SMS-Get account, mutable so tests can change it between requests."""

    password: str
    points: int = 0
    two_way: bool = False
    # None lets every address in, as an account without an IP whitelist.
    allowed_ips: set[str] | None = None
    # The two callback URLs of the provider's API settings page.
    delivery_url: str | None = None
    twoway_url: str | None = None
    # The code SMS-Get assigns a two-way account; people put it before their answer.
    two_way_code: str | None = None


@dataclass(frozen=True, slots=True)
class AutoAnswer:
    """A person who answers: phone P answers T, S seconds after a two-way message."""

    phone: str
    text: str
    delay: float = 1.0
    # Put the account's two-way code before the text, as SMS-Get tells people to.
    with_code: bool = True

    @classmethod
    def checked(
        cls, phone: str, text: str, delay: float = 1.0, *, with_code: bool = True
    ) -> AutoAnswer:
        """Return the rule, or raise ValueError saying what is wrong with it."""
        phone = phone.strip()
        if country_of(phone) != "TW":
            raise ValueError(
                f"{phone!r} is not a Taiwan mobile number (09xxxxxxxx):"
                " two-way messages reach no other"
            )
        if not text.strip():
            raise ValueError("the answer's text is empty")
        if not 0 <= delay <= MAX_ANSWER_DELAY:
            raise ValueError(
                f"the delay must be 0 to {MAX_ANSWER_DELAY} seconds, not {delay}"
            )
        return cls(phone, text.strip(), delay, with_code)

    def as_json(self) -> dict[str, Any]:
        """Return the rule as JSON for the control API."""
        return {
            "phone": self.phone,
            "text": self.text,
            "delay": self.delay,
            "with_code": self.with_code,
        }


@dataclass(slots=True)
class RecordedRequest:
    """One API request as received; times are time.monotonic() values."""

    endpoint: str
    method: str
    params: dict[str, str]
    started: float
    finished: float | None = None
    # Kept apart too, so a test can tell credentials in the URL from those in the body.
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    remote: str | None = None
    # The error code answered, None when a fault replaced the answer.
    error_code: str | None = None


@dataclass(slots=True)
class SentMessage:
    """A send the provider accepted (and charged for)."""

    message_id: str
    username: str
    phones: list[str]
    text: str
    two_way: bool
    points_used: int
    scheduled_for: datetime | None
    recipient_ids: dict[str, str]
    accepted_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the message as JSON for the sandbox's /sim/messages."""
        return {
            "message_id": self.message_id,
            "username": self.username,
            "phones": self.phones,
            "text": self.text,
            "two_way": self.two_way,
            "points_used": self.points_used,
            "scheduled_for": self.scheduled_for.isoformat()
            if self.scheduled_for
            else None,
            "recipient_ids": self.recipient_ids,
            "accepted_at": self.accepted_at.isoformat() if self.accepted_at else None,
        }


@dataclass(frozen=True, slots=True)
class Fault:
    """A misbehaviour applied to one API request; build it with the constructors."""

    kind: FaultKind
    http_status: int = 200
    seconds: float = 0.0
    error_code: str = ""
    # Not hashed: a JSON payload is usually a dict.
    payload: Any = field(default=None, hash=False)
    # For delay: what to do once the delay is over (None: answer normally).
    then: Fault | None = None

    @classmethod
    def html(cls) -> Fault:
        """200 with an HTML page, as a PHP error page."""
        return cls("html")

    @classmethod
    def empty(cls) -> Fault:
        """200 with an empty body."""
        return cls("empty")

    @classmethod
    def status(cls, http_status: int) -> Fault:
        """Answer that HTTP status with a short text body."""
        if not 100 <= http_status <= 599:
            raise ValueError(f"not an HTTP status: {http_status}")
        return cls("status", http_status=http_status)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without answering."""
        return cls("drop")

    @classmethod
    def delay(cls, seconds: float, then: Fault | None = None) -> Fault:
        """Wait, then answer normally (the request takes effect) or apply `then`."""
        if seconds < 0:
            raise ValueError("a delay cannot be negative")
        return cls("delay", seconds=seconds, then=then)

    @classmethod
    def code(cls, error_code: str) -> Fault:
        """Refuse with that error code (001-010), stats false."""
        return cls("code", error_code=error_code)

    @classmethod
    def json(cls, payload: Any) -> Fault:
        """Answer that JSON verbatim; a str is the raw body (for malformed JSON)."""
        return cls("json", payload=payload)
