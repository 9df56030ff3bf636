"""Parsing of SMS-Get's delivery-report and two-way reply callbacks.

``content`` holds one line per recipient, ``phone|id|YYYY-MM-DD HH:MM:SS|value``, lines
joined by commas; a reply's value is its text, URL-encoded. A line that cannot be read is
returned with the reason, never raised, so the good lines of a callback still count.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
import re
from urllib.parse import unquote_plus

PROVIDER_TZ = timezone(timedelta(hours=8))
DELIVERED = "DELIVRD"

_PHONE = re.compile(r"\+?\d{4,20}")
# A line in one match; _refusal tells why one does not match. Groups: phone, identifier,
# time, value, each stripped of surrounding whitespace. The time in ASCII digits, as the
# provider writes it (\d would take any script's digits).
_LINE = re.compile(
    rf"\s*({_PHONE.pattern})\s*\|\s*([^|]*?)\s*\|"
    r"\s*([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})\s*\|\s*(.*?)\s*",
    re.DOTALL,
)
# A line starts at the start and after a comma, unless text without a "|" follows up
# to the next comma: that comma is a raw one inside a reply's text (from a provider that
# did not encode it). Any "|" is enough, so a malformed line is reported, not taken for
# text; a blank line (",,", a trailing comma) is a separator, not text.
_LINE_START = re.compile(r"(?:^|,)(?=[^,]*\||\s*(?:,|$))")


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """One recipient's delivery status."""

    message_id: str
    phone: str
    recipient_message_id: str
    reported_at: datetime
    status: str

    @property
    def delivered(self) -> bool:
        """Only the carrier's DELIVRD means delivered."""
        return self.status == DELIVERED


@dataclass(frozen=True, slots=True)
class Reply:
    """One two-way reply."""

    phone: str
    recipient_message_id: str
    received_at: datetime
    raw_text: str


@dataclass(frozen=True, slots=True)
class MalformedLine:
    """A line that could not be read, and why."""

    line: str
    reason: str


class _Malformed(Exception):
    pass


def split_lines(content: str) -> list[str]:
    """Split ``content`` into lines, keeping commas that belong to a reply's text."""
    parts = content.split(",")
    if all("|" in part or part.isspace() or not part for part in parts[1:]):
        # Every comma starts a line (as when SMS-Get encodes the text): _LINE_START
        # would find the same.
        return [line for part in parts if (line := part.strip())]
    starts = [m.end() for m in _LINE_START.finditer(content)]
    if not starts or starts[0] != 0:
        # Text before the first recognisable line is a line of its own (a malformed one).
        starts.insert(0, 0)
    lines: list[str] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(content)
        if line := content[start:end].strip():
            lines.append(line)
    return lines


@lru_cache(maxsize=1024)
def _provider_time(text: str) -> datetime:
    """A time as _LINE matched it, on the provider's clock; ValueError if invalid."""
    # One callback's lines mostly share their time: cached, and without strptime.
    return datetime(
        int(text[0:4]),
        int(text[5:7]),
        int(text[8:10]),
        int(text[11:13]),
        int(text[14:16]),
        int(text[17:19]),
        tzinfo=PROVIDER_TZ,
    )


def _refusal(line: str) -> str:
    """Why a line that _LINE does not match is refused."""
    parts = line.split("|", 3)
    if len(parts) != 4:
        return "expected phone|id|time|value"
    phone, identifier = parts[0].strip(), parts[1].strip()
    if not _PHONE.fullmatch(phone):
        return "missing or invalid phone number"
    if not identifier:
        return "missing message identifier"
    # The value takes anything: the time is what did not match.
    return "time is not YYYY-MM-DD HH:MM:SS"


def _fields(line: str) -> tuple[str, str, datetime, str]:
    if not (match := _LINE.fullmatch(line)) or not match[2]:
        raise _Malformed(_refusal(line))
    phone, identifier, time, value = match.groups()
    try:
        when = _provider_time(time)
    except ValueError as err:
        raise _Malformed("time is not a valid date") from err
    return phone, identifier, when, value


def parse_delivery_reports(
    message_id: str, content: str
) -> tuple[list[DeliveryReport], list[MalformedLine]]:
    """Parse a delivery-report callback (``sms_id`` and ``content``)."""
    reports: list[DeliveryReport] = []
    malformed: list[MalformedLine] = []
    message_id = message_id.strip()
    for line in content.split(","):
        if not (line := line.strip()):
            continue
        try:
            if not message_id:
                raise _Malformed("missing sms_id")
            phone, identifier, when, status = _fields(line)
            if not status:
                raise _Malformed("missing status")
        except _Malformed as err:
            malformed.append(MalformedLine(line, str(err)))
            continue
        reports.append(DeliveryReport(message_id, phone, identifier, when, status))
    return reports, malformed


def parse_replies(content: str) -> tuple[list[Reply], list[MalformedLine]]:
    """Parse a two-way reply callback (``content`` only)."""
    replies: list[Reply] = []
    malformed: list[MalformedLine] = []
    for line in split_lines(content):
        try:
            phone, identifier, when, text = _fields(line)
        except _Malformed as err:
            malformed.append(MalformedLine(line, str(err)))
            continue
        decoded = unquote_plus(text, errors="replace")
        replies.append(Reply(phone, identifier, when, decoded))
    return replies, malformed


def split_code(text: str, code: str | None) -> tuple[str | None, str]:
    """Recognise the account's two-way code at the start of a reply's text."""
    stripped = text.strip()
    if code and stripped.startswith(code):
        return code, stripped[len(code) :].strip()
    return None, stripped


class RecentLines:
    """A fixed-size memory of callback lines already taken, to fire each once.

    Keeps an 8-byte hash per line, so its size is bounded by ``maxlen`` whatever the
    traffic.
    """

    def __init__(self, maxlen: int = 4096) -> None:
        """Remember at most ``maxlen`` lines."""
        self.maxlen = maxlen
        self._seen: OrderedDict[bytes, None] = OrderedDict()

    def __len__(self) -> int:
        """Lines remembered."""
        return len(self._seen)

    def add(self, *parts: str) -> bool:
        """Remember a line; False when it was already seen."""
        # Python's string hash is keyed per process: lines can't be made to collide
        # from outside, and nothing here outlives the process. As 8 bytes, every key
        # has the same size (an int's grows with its value).
        key = hash(parts).to_bytes(8, signed=True)
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self.maxlen:
            self._seen.popitem(last=False)
        return True


@lru_cache(maxsize=1024)
def iso(when: datetime) -> str:
    """ISO 8601 in the provider's +08:00."""
    return when.astimezone(PROVIDER_TZ).isoformat()


def now_provider() -> datetime:
    """Now on the provider's clock."""
    return datetime.now(UTC).astimezone(PROVIDER_TZ)
