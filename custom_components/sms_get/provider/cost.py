"""Segment and point rules of the SMS-Get document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Literal

from .errors import SmsGetError
from .phone import POINTS_TWO_WAY, PhoneNumber

ASCII_SINGLE = 160
ASCII_PART = 153
UNICODE_SINGLE = 70
UNICODE_PART = 67

type Encoding = Literal["ascii", "unicode"]


class UnsupportedCharactersError(SmsGetError, ValueError):
    """The text holds characters SMS-Get cannot carry (outside the BMP)."""

    def __init__(self, characters: list[str]) -> None:
        """Name the characters."""
        super().__init__(f"Characters SMS-Get cannot send: {' '.join(characters)}")
        self.characters = characters


def unsupported_characters(text: str) -> list[str]:
    """Characters outside the Basic Multilingual Plane (and lone surrogates), once each."""
    found: dict[str, None] = {}
    for char in text:
        code = ord(char)
        if code > 0xFFFF or 0xD800 <= code <= 0xDFFF:
            found[char] = None
    return list(found)


def check_text(text: str) -> None:
    """Raise when the text holds characters the provider cannot carry."""
    # Fast path: encodable BMP text is the usual case.
    if text.isascii():
        return
    if bad := unsupported_characters(text):
        raise UnsupportedCharactersError(bad)


def encoding(text: str) -> Encoding:
    """Name the encoding: the document's "pure English" is ASCII, else Unicode."""
    return "ascii" if text.isascii() else "unicode"


def segments(text: str) -> int:
    """Count the billed segments of a text (0 for an empty one)."""
    length = len(text)
    if not length:
        return 0
    single, part = (
        (ASCII_SINGLE, ASCII_PART) if text.isascii() else (UNICODE_SINGLE, UNICODE_PART)
    )
    return 1 if length <= single else ceil(length / part)


def points_per_segment(phone: PhoneNumber, *, two_way: bool = False) -> int:
    """Points one segment costs to this number."""
    return POINTS_TWO_WAY if two_way else phone.points


@dataclass(frozen=True, slots=True)
class Estimate:
    """What a message costs."""

    encoding: Encoding
    segments: int
    points: int
    per_recipient: list[tuple[PhoneNumber, int]]


def estimate(
    text: str, phones: Sequence[PhoneNumber], *, two_way: bool = False
) -> Estimate:
    """Cost of sending a text to these numbers."""
    count = segments(text)
    per_recipient = [
        (phone, count * points_per_segment(phone, two_way=two_way)) for phone in phones
    ]
    return Estimate(
        encoding(text), count, sum(points for _, points in per_recipient), per_recipient
    )


def max_length(text_encoding: Encoding, max_segments: int) -> int:
    """Return the longest text of that encoding that fits in that many segments."""
    if max_segments < 1:
        raise ValueError("at least one segment")
    single, part = (
        (ASCII_SINGLE, ASCII_PART)
        if text_encoding == "ascii"
        else (UNICODE_SINGLE, UNICODE_PART)
    )
    return single if max_segments == 1 else part * max_segments


def without_unsupported(text: str) -> str:
    """Return the text without the characters SMS-Get cannot carry."""
    if text.isascii() or not (bad := set(unsupported_characters(text))):
        return text
    return "".join(char for char in text if char not in bad)


def shorten(text: str, max_segments: int) -> str:
    """Cut the text with an ellipsis so it fits in at most that many segments.

    "…" makes any text Unicode (70 characters a segment), "..." keeps an ASCII text
    ASCII (160): the cut that keeps more of the text wins.
    """
    if segments(text) <= max_segments:
        return text
    # Kept with "…": the text is Unicode then, whatever it was.
    unicode_kept = max_length("unicode", max_segments) - 1
    # Kept with "...": ASCII as long as the part kept is.
    ascii_kept = max_length("ascii", max_segments) - 3
    for index, char in enumerate(text[:ascii_kept]):
        if not char.isascii():
            ascii_kept = index
            break
    if ascii_kept > unicode_kept:
        return text[:ascii_kept].rstrip() + "..."
    return text[:unicode_kept].rstrip() + "…"
