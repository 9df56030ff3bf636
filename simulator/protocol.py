"""SMS-Get's rules as the provider's document states them: numbers, cost, answers.

Pure functions, no I/O, so the app and the tests share one reading of the document.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import json
import math
import re
from typing import Any, Final

# The provider's clock and every time it reports are GMT+8 (Taiwan has no DST).
TAIPEI: Final = timezone(timedelta(hours=8), "GMT+8")

# PHP's default content type: the provider never says application/json.
CONTENT_TYPE: Final = "text/html"
CHARSET: Final = "UTF-8"

MAX_RECIPIENTS: Final = 250
# The document names no limit for 004; ten segments is this simulator's choice.
MAX_SEGMENTS: Final = 10

SUCCESS: Final = "000"

# error_msg for each code, worded as the provider's document gives them.
ERROR_MESSAGES: Final[dict[str, str]] = {
    "001": "參數錯誤",
    "002": "預約時間參數錯誤",
    "003": "預約時間過期",
    "004": "訊息長度過長",
    "005": "帳號密碼錯誤",
    "006": "IP 無法存取",
    "007": "收件者人數為 0",
    "008": "收件人超過 250 人",
    "009": "點數不足",
    "010": "尚未申請雙向功能",
}

# Country -> pattern of a whole number, as the document lists them (digits only).
NUMBER_FORMATS: Final[dict[str, re.Pattern[str]]] = {
    country: re.compile(pattern)
    for country, pattern in {
        "TW": r"09\d{8}",
        "CN": r"1\d{10}",
        "HK": r"[4-9]\d{7}",
        "MO": r"853\d{8}",
        "JP": r"81\d{10}",
        "MY": r"60\d{9,10}",
        "VN": r"84\d{9,10}",
        "ID": r"62\d{10,11}",
        "TH": r"66\d{9}",
        "AU": r"61\d{9}",
        "SG": r"65\d{8}",
        "PH": r"63\d{10}",
        "AE": r"971\d{9}",
        "KH": r"855\d{8,9}",
        "US": r"001\d{10}",
        "KR": r"82\d{9,10}",
    }.items()
}

# Points per segment; every country not named here costs 2.
POINTS_PER_SEGMENT: Final[dict[str, int]] = {"TW": 1, "CN": 4}
OTHER_COUNTRY_POINTS: Final = 2
TWO_WAY_POINTS: Final = 1

_DATE_RE: Final = re.compile(r"(\d{4})/(\d{2})/(\d{2})")
_TWO_DIGITS_RE: Final = re.compile(r"\d{2}")


class ApiError(Exception):
    """A request the provider refuses, carrying its error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def answer_body(stats: bool, code: str, message: str) -> str:
    """Return the provider's JSON answer, compact and ASCII-escaped as by PHP."""
    return json.dumps(
        {"stats": stats, "error_code": code, "error_msg": message},
        separators=(",", ":"),
    )


def error_body(code: str) -> str:
    """Return the provider's refusal with that code and the document's wording."""
    return answer_body(False, code, ERROR_MESSAGES.get(code, "未知錯誤"))


def json_body(payload: Any) -> str:
    """Any payload as compact JSON, for answers a fault dictates."""
    return json.dumps(payload, separators=(",", ":"))


def split_phones(raw: str) -> list[str]:
    """Recipients from the comma-separated list; spaces around commas are tolerated."""
    return [phone for part in raw.split(",") if (phone := part.strip())]


def country_of(phone: str) -> str | None:
    """Return the country whose number format fits, or None if none does."""
    for country, pattern in NUMBER_FORMATS.items():
        if pattern.fullmatch(phone):
            return country
    return None


def segments(text: str) -> int:
    """Billed segments: 160/153 characters for pure ASCII, 70/67 for anything else."""
    single, part = (160, 153) if text.isascii() else (70, 67)
    length = len(text)
    return 1 if length <= single else math.ceil(length / part)


def points_per_segment(country: str, *, two_way: bool) -> int:
    """Points one segment costs to a number of that country."""
    if two_way:
        return TWO_WAY_POINTS
    return POINTS_PER_SEGMENT.get(country, OTHER_COUNTRY_POINTS)


def parse_schedule(send_date: str, hour: str, minute: str) -> datetime:
    """Return the scheduled GMT+8 time; ApiError 002 for ill-formed parameters."""
    date_match = _DATE_RE.fullmatch(send_date)
    # Strict two-digit hour and minute, as the document's field length says.
    if (
        date_match is None
        or not _TWO_DIGITS_RE.fullmatch(hour)
        or not _TWO_DIGITS_RE.fullmatch(minute)
    ):
        raise ApiError("002")
    year, month, day = (int(group) for group in date_match.groups())
    try:
        return datetime(year, month, day, int(hour), int(minute), tzinfo=TAIPEI)
    except ValueError:  # 2025/02/30, hour 24, minute 60
        raise ApiError("002") from None


def report_time(moment: datetime) -> str:
    """Return a carrier report time as callbacks write it (GMT+8)."""
    return moment.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M:%S")


def now_taipei() -> datetime:
    """Return the provider's wall clock: now in GMT+8."""
    return datetime.now(UTC).astimezone(TAIPEI)
