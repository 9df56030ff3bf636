"""Cutting an answer to a number of segments, by the document's rules."""

from __future__ import annotations

import pytest

from custom_components.sms_get.provider import shorten, without_unsupported
from custom_components.sms_get.provider.cost import max_length, segments

ENGLISH = "The porch light is on and the garage door is closed. " * 20
CHINESE = "門廊燈已經打開了車庫門是關著的" * 30


@pytest.mark.parametrize(
    ("encoding", "max_segments", "length"),
    [
        ("ascii", 1, 160),
        ("ascii", 2, 306),
        ("ascii", 5, 765),
        ("unicode", 1, 70),
        ("unicode", 2, 134),
        ("unicode", 5, 335),
    ],
)
def test_max_length(encoding: str, max_segments: int, length: int) -> None:
    """The longest text that fits, on the boundary of the next segment."""
    assert max_length(encoding, max_segments) == length  # type: ignore[arg-type]
    text = ("a" if encoding == "ascii" else "門") * length
    assert segments(text) == max_segments
    assert segments(text + text[0]) == max_segments + 1


def test_max_length_needs_a_segment() -> None:
    """Zero segments is not a size."""
    with pytest.raises(ValueError, match="at least one segment"):
        max_length("ascii", 0)


@pytest.mark.parametrize("max_segments", [1, 2, 3, 4, 5])
def test_english_keeps_ascii(max_segments: int) -> None:
    """An English answer is cut with "...", which keeps it ASCII and longest."""
    cut = shorten(ENGLISH, max_segments)
    assert cut.endswith("...")
    assert cut.isascii()
    assert segments(cut) == max_segments
    kept = cut.removesuffix("...")
    assert ENGLISH.startswith(kept)
    # Only trailing spaces of the cut are dropped.
    assert len(kept) >= max_length("ascii", max_segments) - 3 - 1


@pytest.mark.parametrize("max_segments", [1, 2, 3, 4, 5])
def test_chinese_uses_one_character_ellipsis(max_segments: int) -> None:
    """A Chinese answer is cut with "…": one character, not three."""
    cut = shorten(CHINESE, max_segments)
    assert cut.endswith("…")
    assert len(cut) == max_length("unicode", max_segments)
    assert segments(cut) == max_segments
    assert CHINESE.startswith(cut.removesuffix("…"))


@pytest.mark.parametrize(
    ("text", "max_segments"),
    [
        ("a" * 160, 1),
        ("a" * 306, 2),
        ("門" * 70, 1),
        ("門" * 134, 2),
        ("門" * 335, 5),
        ("", 1),
    ],
)
def test_fits_untouched(text: str, max_segments: int) -> None:
    """A text on the exact boundary is not cut."""
    assert shorten(text, max_segments) == text


@pytest.mark.parametrize(
    ("text", "max_segments", "expected"),
    [
        # One character over: ASCII with "...", Unicode with "…".
        ("a" * 161, 1, "a" * 157 + "..."),
        ("a" * 307, 2, "a" * 303 + "..."),
        ("門" * 71, 1, "門" * 69 + "…"),
        ("門" * 135, 2, "門" * 133 + "…"),
    ],
)
def test_one_over_the_boundary(text: str, max_segments: int, expected: str) -> None:
    """One character too many: the cut fills the segments exactly."""
    assert shorten(text, max_segments) == expected
    assert segments(expected) == max_segments


def test_mixed_text_keeps_the_longer_cut() -> None:
    """English first, Chinese later: "..." as long as more English is kept."""
    late = "a" * 100 + "門" * 100
    assert shorten(late, 1) == "a" * 100 + "..."
    early = "a" * 50 + "門" * 100
    assert shorten(early, 1) == "a" * 50 + "門" * 19 + "…"
    # On a tie (69 ASCII characters either way), "…" is kept: no fewer characters.
    tie = "a" * 69 + "門" * 100
    assert shorten(tie, 1) == "a" * 69 + "…"


def test_no_space_before_the_ellipsis() -> None:
    """A cut after a word does not leave a space before the ellipsis."""
    text = "a" * 156 + " " + "b" * 10
    assert shorten(text, 1) == "a" * 156 + "..."


def test_without_unsupported() -> None:
    """Emoji outside the Basic Multilingual Plane are dropped, the rest kept."""
    assert without_unsupported("Done 👍 已完成") == "Done  已完成"
    assert without_unsupported("Done") == "Done"
    assert without_unsupported("已完成") == "已完成"
