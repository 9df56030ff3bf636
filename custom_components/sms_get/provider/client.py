"""Async client of the SMS-Get HTTP API.

Every request is a POST with a form body, so credentials never appear in a URL, and
requests of one client go one at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
import contextlib
from dataclasses import dataclass
from datetime import datetime
import html
import json
import logging
from typing import Any, Protocol
from urllib.parse import quote, quote_plus

import aiohttp

from .callbacks import PROVIDER_TZ
from .errors import (
    SmsGetConnectionError,
    SmsGetOutcomeUnknownError,
    SmsGetResponseError,
    error_for_code,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://sms-get.com"
DEFAULT_TIMEOUT = 30.0
MAX_RECIPIENTS = 250
# The provider's answers are a few dozen bytes; anything far larger is not its JSON.
_MAX_ANSWER = 64 * 1024
_HEADERS = {"Connection": "close"}
_REDACTED = "**REDACTED**"
_NOT_JSON = object()


def _forms(secret: str) -> list[str]:
    """Return the forms an echoing answer could hold the secret in, longest first."""
    if not secret:
        return []
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret).replace("/", "\\/")[1:-1],
        html.escape(secret),
        repr(secret)[1:-1],
    }
    return sorted(forms, key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class Credit:
    """The answer to a credit query."""

    points: int


@dataclass(frozen=True, slots=True)
class SendResult:
    """The answer to an accepted send."""

    message_id: str
    points_used: int
    points_remaining: int


class SmsGetClient:
    """One SMS-Get account."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        username: str,
        password: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Keep the session and the account; nothing is sent yet."""
        self._session = session
        self.username = username
        self._password = password
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._lock = asyncio.Lock()
        self._secret_forms = _forms(password)

    def _redact(self, text: str) -> str:
        """Remove the password, in any of its forms, from text of SMS-Get's answer."""
        for form in self._secret_forms:
            text = text.replace(form, _REDACTED)
        return text

    def __repr__(self) -> str:
        """Name the account, never the password."""
        return f"SmsGetClient(username={self.username!r}, base_url={self.base_url!r})"

    async def query_credit(self) -> Credit:
        """Return the account's remaining points."""
        fields = await self._request("api_query_credit.php", {}, idempotent=True)
        _account, points = self._split(fields, 2)
        return Credit(self._int(points))

    async def send(
        self,
        message: str,
        phones: Sequence[str],
        *,
        schedule: datetime | None = None,
        two_way: bool = False,
    ) -> SendResult:
        """Send one request of at most 250 provider-format numbers; never retried."""
        if isinstance(phones, str):
            # A str is a Sequence[str] too: it would go out as "0,9,1,2,...".
            raise TypeError("phones must be a list of numbers, not a str")
        if not 0 < len(phones) <= MAX_RECIPIENTS:
            raise ValueError(f"A send takes 1 to {MAX_RECIPIENTS} numbers")
        params = {"method": "1", "sms_msg": message, "phone": ",".join(phones)}
        if schedule is not None:
            if schedule.tzinfo is None:
                raise ValueError("schedule must be timezone-aware")
            local = schedule.astimezone(PROVIDER_TZ)
            params |= {
                "method": "2",
                "send_date": local.strftime("%Y/%m/%d"),
                "hour": local.strftime("%H"),
                "min": local.strftime("%M"),
            }
        endpoint = "api_send_twoway.php" if two_way else "api_send.php"
        fields = await self._request(endpoint, params, idempotent=False)
        message_id, used, remaining = self._split(fields, 3)
        return SendResult(message_id, self._int(used), self._int(remaining))

    async def _request(
        self, endpoint: str, params: dict[str, str], *, idempotent: bool
    ) -> str:
        data = {"username": self.username, "password": self._password, **params}
        url = f"{self.base_url}/{endpoint}"
        async with self._lock:
            try:
                # A fresh connection each time: a kept-alive one that SMS-Get closed
                # while idle would fail a send as "outcome unknown" though nothing left.
                async with self._session.post(
                    url,
                    data=data,
                    headers=_HEADERS,
                    timeout=self._timeout,
                    allow_redirects=False,
                ) as response:
                    status = response.status
                    body = await read_limited(response.content, _MAX_ANSWER)
            except (
                aiohttp.ClientConnectorError,
                aiohttp.ConnectionTimeoutError,
                # An unusable URL: nothing left either.
                aiohttp.InvalidURL,
                aiohttp.NonHttpUrlClientError,
            ) as err:
                raise SmsGetConnectionError(
                    f"Cannot connect to SMS-Get at {self.base_url}"
                ) from err
            except (TimeoutError, aiohttp.ClientError) as err:
                # The request left; whether SMS-Get applied it cannot be known.
                if idempotent:
                    raise SmsGetConnectionError(
                        f"No answer from SMS-Get at {self.base_url}"
                    ) from err
                raise SmsGetOutcomeUnknownError(
                    f"No answer from SMS-Get at {self.base_url} after the request was sent"
                ) from err
        if _LOGGER.isEnabledFor(logging.DEBUG):
            # Redacted whole, then cut: a cut could leave a password's start.
            text = self._redact(body.decode("utf-8", errors="replace"))
            _LOGGER.debug("%s answered HTTP %s: %r", endpoint, status, text[:200])
        return _parse_answer(status, body, redact=self._redact)

    def _split(self, message: str, count: int) -> list[str]:
        parts = [part.strip() for part in message.split("|")]
        if len(parts) != count or not all(parts):
            raise SmsGetResponseError(
                f"Unexpected success message from SMS-Get: {self._redact(message)!r}"
            )
        return parts

    def _int(self, value: str) -> int:
        try:
            return int(float(value)) if "." in value else int(value)
        except (ValueError, OverflowError):  # OverflowError: "1.0e999"
            pass
        # Raised outside the handler: the cause's text quotes the answer unredacted.
        raise SmsGetResponseError(f"Not a number of points: {self._redact(value)!r}")


class ByteStream(Protocol):
    """What read_limited reads: aiohttp's StreamReader, or Home Assistant's mock one."""

    async def read(self, n: int, /) -> bytes:
        """Up to n bytes; b"" at the end."""


async def read_limited(stream: ByteStream, limit: int) -> bytes:
    """Read the whole stream, or its first limit + 1 bytes when it is longer.

    read(n) returns what has arrived so far, not n bytes: read until the end or the
    limit, never further.
    """
    body = bytearray()
    while len(body) <= limit and (chunk := await stream.read(limit + 1 - len(body))):
        body += chunk
    return bytes(body)


def _parse_answer(status: int, body: bytes, redact: Callable[[str], str] = str) -> str:
    """Return ``error_msg`` of a successful answer, or raise the provider's error.

    What the answer says goes into an error's text only through redact.
    """
    if status != 200:
        raise SmsGetResponseError(f"SMS-Get answered HTTP {status}")
    if len(body) > _MAX_ANSWER:
        raise SmsGetResponseError("SMS-Get's answer is too large to be its JSON")
    answer: Any = _NOT_JSON
    with contextlib.suppress(UnicodeDecodeError, ValueError):
        answer = json.loads(body.decode("utf-8-sig").strip())
    if answer is _NOT_JSON:
        # Raised outside the handler: the cause would hold the answer unredacted.
        raise SmsGetResponseError("SMS-Get's answer is not JSON")
    if not isinstance(answer, dict) or not {"stats", "error_code"} <= answer.keys():
        raise SmsGetResponseError("SMS-Get's answer lacks stats or error_code")
    stats, code = answer["stats"], answer["error_code"]
    message = answer.get("error_msg")
    if isinstance(code, int) and not isinstance(code, bool):
        code = f"{code:03d}"
    if not isinstance(code, str) or not isinstance(message, str | None):
        raise SmsGetResponseError("SMS-Get's answer has fields of the wrong type")
    if stats in (True, "true", "True") and code == "000":
        if not message:
            raise SmsGetResponseError("SMS-Get's answer has no error_msg")
        return message
    if stats in (False, "false", "False") and code not in ("", "000"):
        raise error_for_code(code, redact(message or ""))
    raise SmsGetResponseError(
        redact(f"SMS-Get's answer is inconsistent (stats {stats!r}, code {code!r})")
    )
