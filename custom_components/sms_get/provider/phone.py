"""Phone number rules of the SMS-Get document.

SMS-Get takes Taiwan, China and Hong Kong numbers in their national form and every
other country's with its calling code in front (the US as ``001``). Users type numbers
in those forms or in E.164, with spaces, dashes, dots and brackets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import re

import phonenumbers

from .errors import SmsGetError

POINTS_TAIWAN = 1
POINTS_CHINA = 4
POINTS_OTHER = 2
POINTS_TWO_WAY = 1


class InvalidPhoneNumberError(SmsGetError, ValueError):
    """A number that none of the 16 countries of the document accepts."""

    def __init__(self, number: str) -> None:
        """Name the number as the user typed it."""
        super().__init__(f"Not a phone number SMS-Get can reach: {number!r}")
        self.number = number


@dataclass(frozen=True, slots=True)
class Country:
    """One destination of the document."""

    iso: str
    calling_code: str
    # Provider format: the prefix written in front of the national significant number.
    provider_prefix: str
    # The full provider-format number, as the document gives its lengths.
    pattern: re.Pattern[str]
    points: int


def _country(iso: str, code: str, prefix: str, pattern: str, points: int) -> Country:
    return Country(iso, code, prefix, re.compile(pattern), points)


COUNTRIES: tuple[Country, ...] = (
    _country("TW", "886", "0", r"09\d{8}", POINTS_TAIWAN),
    _country("CN", "86", "", r"1\d{10}", POINTS_CHINA),
    _country("HK", "852", "", r"[4-9]\d{7}", POINTS_OTHER),
    _country("MO", "853", "853", r"853\d{8}", POINTS_OTHER),
    _country("JP", "81", "81", r"81\d{10}", POINTS_OTHER),
    _country("MY", "60", "60", r"60\d{9,10}", POINTS_OTHER),
    _country("VN", "84", "84", r"84\d{9,10}", POINTS_OTHER),
    _country("ID", "62", "62", r"62\d{10,11}", POINTS_OTHER),
    _country("TH", "66", "66", r"66\d{9}", POINTS_OTHER),
    _country("AU", "61", "61", r"61\d{9}", POINTS_OTHER),
    _country("SG", "65", "65", r"65\d{8}", POINTS_OTHER),
    _country("PH", "63", "63", r"63\d{10}", POINTS_OTHER),
    _country("AE", "971", "971", r"971\d{9}", POINTS_OTHER),
    _country("KH", "855", "855", r"855\d{8,9}", POINTS_OTHER),
    _country("US", "1", "001", r"001\d{10}", POINTS_OTHER),
    _country("KR", "82", "82", r"82\d{9,10}", POINTS_OTHER),
)
COUNTRIES_BY_CODE = {country.calling_code: country for country in COUNTRIES}
COUNTRIES_BY_ISO = {country.iso: country for country in COUNTRIES}

# The prefixes are distinct, so one alternation tells the country of a provider-format number.
PROVIDER_FORMAT = re.compile(
    "|".join(f"(?P<{c.iso}>{c.pattern.pattern})" for c in COUNTRIES)
)
# With their full-width forms, which CJK input methods type along with full-width digits.
_SEPARATORS = str.maketrans(
    "",
    "",
    " \t-.()[]\u00a0\u3000\u2010\u2011\u2012\u2013\u2014\u2212"
    "\uff0d\uff0e\uff08\uff09\uff3b\uff3d",
)
_CLEAN = re.compile(r"\+?\d+")


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A number in the provider's format, with its country and points per segment."""

    number: str
    country: str

    @property
    def points(self) -> int:
        """Points per segment for a one-way message."""
        return COUNTRIES_BY_ISO[self.country].points


def is_provider_format(number: str) -> bool:
    """Tell whether a number is one of the 16 countries' in the provider's format."""
    return PROVIDER_FORMAT.fullmatch(number) is not None


def normalize(raw: str) -> PhoneNumber:
    """Return the provider-format number for what a user typed, or raise."""
    if not isinstance(raw, str):
        raise InvalidPhoneNumberError(str(raw))
    return _normalize(raw)


@lru_cache(maxsize=4096)
def _normalize(raw: str) -> PhoneNumber:
    text = raw.strip().translate(_SEPARATORS)
    # Full-width digits (common in CJK input methods) are digits too.
    if not text.isascii():
        text = "".join(
            str(int(ch)) if ch.isdecimal() else ch for ch in text.replace("\uff0b", "+")
        )
    if not _CLEAN.fullmatch(text):
        raise InvalidPhoneNumberError(raw)
    if not text.startswith("+"):
        if match := PROVIDER_FORMAT.fullmatch(text):
            return PhoneNumber(text, str(match.lastgroup))
        # 00886... (international dialling prefix) or 886... (E.164 without its plus).
        text = "+" + (text.removeprefix("00"))
    return _from_international(text, raw)


def _from_international(text: str, raw: str) -> PhoneNumber:
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as err:
        raise InvalidPhoneNumberError(raw) from err
    country = COUNTRIES_BY_CODE.get(str(parsed.country_code))
    if country is None:
        raise InvalidPhoneNumberError(raw)
    # An integer: a trunk 0 typed after the calling code (+886 0912...) is gone.
    number = country.provider_prefix + str(parsed.national_number)
    if not country.pattern.fullmatch(number):
        raise InvalidPhoneNumberError(raw)
    return PhoneNumber(number, country.iso)
