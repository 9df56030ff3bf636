"""Parsing of SMS-Get's delivery-report and two-way reply callbacks.

``content`` holds one line per recipient, ``phone|id|YYYY-MM-DD HH:MM:SS|value``, lines
joined by commas; a reply's value is its text, URL-encoded. A line that cannot be read is
returned with the reason, never raised, so the good lines of a callback still count.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import repeat
from operator import contains
import re
from typing import NamedTuple
from urllib.parse import unquote_plus

from .phone import PROVIDER_FORMAT, InvalidPhoneNumberError, normalize

PROVIDER_TZ = timezone(timedelta(hours=8))
DELIVERED = "DELIVRD"
# What one callback may hold: more lines is refused whole, a longer line is malformed.
MAX_LINES = 1000
MAX_LINE_LENGTH = 16384
# A reply whose carrier time is further off than this is replayed or delayed.
STALE_AFTER = timedelta(minutes=15)
STALE_AHEAD = timedelta(minutes=5)

# Every field is checked on its own, anchored, after a split on "|": the time taken
# grows with the line's length, whatever it holds. The time in ASCII digits, as the
# provider writes it (\d would take any script's digits).
_PHONE = re.compile(r"\+?\d{4,20}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
# A reply's escaped bytes, %XX.
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
_ESCAPED = {
    f"{a}{b}".encode(): bytes.fromhex(f"{a}{b}")
    for a in "0123456789ABCDEFabcdef"
    for b in "0123456789ABCDEFabcdef"
}
# C0 and C1 control characters but newline and tab: none reaches event data.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class TooManyLinesError(ValueError):
    """A callback of more than MAX_LINES lines: refused whole."""

    def __init__(self) -> None:
        """Say what the limit is."""
        super().__init__(f"A callback of more than {MAX_LINES} lines is refused")


# The parsed lines are tuples: a callback may hold a thousand, made at C speed.
class DeliveryReport(NamedTuple):
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


class Reply(NamedTuple):
    """One two-way reply."""

    phone: str
    recipient_message_id: str
    received_at: datetime
    raw_text: str


class MalformedLine(NamedTuple):
    """A line that could not be read, and why."""

    line: str
    reason: str


class _Malformed(Exception):
    pass


def split_lines(content: str) -> list[str]:
    """Split ``content`` into lines, keeping commas that belong to a reply's text.

    A line starts at the start and at each comma followed by a part (up to the next
    comma) that holds a "|" or is blank; a comma followed by text without a "|" is a
    raw one inside a reply's text (from a provider that did not encode it). Any "|" is
    enough, so a malformed line is reported, not taken for text; a blank part is a
    separator, not text. Raise TooManyLinesError past MAX_LINES lines.
    """
    parts = content.split(",")
    stripped = list(map(str.strip, parts))
    rest = stripped[1:]
    # Iterated in C: a callback of commas costs little.
    if rest.count("") + sum(map(contains, rest, repeat("|"))) == len(rest):
        # Every comma starts a line (as when SMS-Get encodes the text).
        return _count(list(filter(None, stripped)))
    lines: list[str] = []
    current = [parts[0]]
    for part in parts[1:]:
        if "|" in part or part.isspace() or not part:
            if line := ",".join(current).strip():
                lines.append(line)
                if len(lines) > MAX_LINES:
                    raise TooManyLinesError
            current = [part]
        else:
            current.append(part)
    if line := ",".join(current).strip():
        lines.append(line)
    return _count(lines)


def _count(lines: list[str]) -> list[str]:
    if len(lines) > MAX_LINES:
        raise TooManyLinesError
    return lines


@lru_cache(maxsize=1024)
def _provider_time(text: str) -> datetime | str:
    """Return a line's time on the provider's clock, or why it is refused."""
    # One callback's lines mostly share their time: cached, and without strptime.
    if not _TIME.fullmatch(text):
        return "time is not YYYY-MM-DD HH:MM:SS"
    try:
        return datetime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
            tzinfo=PROVIDER_TZ,
        )
    except ValueError:
        return "time is not a valid date"


@lru_cache(maxsize=4096)
def _phone(raw: str) -> str | None:
    """Return a number not in the provider's format in it, as received, or None."""
    if not _PHONE.fullmatch(raw):
        return None
    try:
        return normalize(raw).number
    except InvalidPhoneNumberError:
        return raw


def clean(text: str) -> str:
    """Remove control characters other than newline and tab."""
    return _CONTROL.sub("", text) if text and not text.isprintable() else text


def _decode(text: str) -> str:
    """Decode a reply's URL-encoded text (invalid UTF-8 replaced), as unquote_plus does."""
    if "%" not in text and "+" not in text:
        return text
    try:
        encoded = text.replace("+", " ").encode()
    except UnicodeEncodeError:  # a lone surrogate
        return unquote_plus(text, errors="replace")
    # Split and joined in C, in one piece: urllib's unquoting raises an exception per
    # stray "%" and slows down on long runs of them. A raw character's UTF-8 bytes
    # never join an escaped sequence, so the text is the same.
    parts = _ESCAPE.split(encoded)
    parts[1::2] = map(_ESCAPED.__getitem__, parts[1::2])
    return b"".join(parts).decode(errors="replace")


def parse_form(text: str) -> list[tuple[str, str]]:
    """Read an application/x-www-form-urlencoded body as a query string is read."""
    # Split and decoded in C: linear in the body's length, whatever it holds.
    pairs: list[tuple[str, str]] = []
    for part in text.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((_decode(key), _decode(value)))
    return pairs


def _fields(line: str) -> tuple[str, str, datetime, str]:
    """Return phone, identifier, time and value of a line, or raise _Malformed."""
    if len(line) > MAX_LINE_LENGTH:
        raise _Malformed(f"longer than {MAX_LINE_LENGTH} characters")
    parts = line.split("|", 3)
    if len(parts) != 4:
        raise _Malformed("expected phone|id|time|value")
    phone, identifier, time, value = parts
    # SMS-Get writes its own format: most numbers are in it, and checked in C.
    phone = phone.strip()
    if not (phone.isascii() and PROVIDER_FORMAT.fullmatch(phone)):
        if (number := _phone(phone)) is None:
            raise _Malformed("missing or invalid phone number")
        phone = number
    # clean(), inlined: this runs for every line.
    if not identifier.isprintable():
        identifier = _CONTROL.sub("", identifier)
    if not (identifier := identifier.strip()):
        raise _Malformed("missing message identifier")
    if isinstance(when := _provider_time(time.strip()), str):
        raise _Malformed(when)
    return phone, identifier, when, value.strip()


def parse_delivery_reports(
    message_id: str, content: str
) -> tuple[list[DeliveryReport], list[MalformedLine]]:
    """Parse a delivery-report callback (``sms_id`` and ``content``).

    Raise TooManyLinesError when ``content`` holds more than MAX_LINES lines.
    """
    if len(lines := list(filter(None, map(str.strip, content.split(","))))) > MAX_LINES:
        raise TooManyLinesError
    reports: list[DeliveryReport] = []
    malformed: list[MalformedLine] = []
    # clean(), inlined: this runs for every callback.
    if not message_id.isprintable():
        message_id = _CONTROL.sub("", message_id)
    message_id = message_id.strip()
    if not message_id or len(message_id) > MAX_LINE_LENGTH:
        return reports, [MalformedLine(line, "missing sms_id") for line in lines]
    for line in lines:
        try:
            phone, identifier, when, status = _fields(line)
        except _Malformed as err:
            malformed.append(MalformedLine(line, str(err)))
            continue
        # clean(), inlined: the status is already stripped.
        if not status.isprintable():
            status = _CONTROL.sub("", status).strip()
        if not status:
            malformed.append(MalformedLine(line, "missing status"))
            continue
        # tuple.__new__ is the generated __new__ without its Python frame.
        reports.append(
            tuple.__new__(DeliveryReport, (message_id, phone, identifier, when, status))
        )
    return reports, malformed


def parse_replies(content: str) -> tuple[list[Reply], list[MalformedLine]]:
    """Parse a two-way reply callback (``content`` only).

    Raise TooManyLinesError when ``content`` holds more than MAX_LINES lines.
    """
    replies: list[Reply] = []
    malformed: list[MalformedLine] = []
    for line in split_lines(content):
        try:
            phone, identifier, when, text = _fields(line)
        except _Malformed as err:
            malformed.append(MalformedLine(line, str(err)))
            continue
        # clean(), inlined: this runs for every reply.
        if not (decoded := _decode(text)).isprintable():
            decoded = _CONTROL.sub("", decoded)
        replies.append(tuple.__new__(Reply, (phone, identifier, when, decoded)))
    return replies, malformed


def fresh_window(now: datetime) -> tuple[datetime, datetime]:
    """Return the earliest and latest carrier times to act on at now."""
    # On the provider's clock, as parsed times are: comparing datetimes of two time
    # zones costs a microsecond, of one a tenth of that.
    now = now.astimezone(PROVIDER_TZ)
    return now - STALE_AFTER, now + STALE_AHEAD


def is_stale(when: datetime, now: datetime) -> bool:
    """Tell whether a carrier time is too far from now to act on (replayed, delayed)."""
    earliest, latest = fresh_window(now)
    return not earliest <= when <= latest


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
