"""Segments and points, as the document counts them."""

from __future__ import annotations

import pytest

from custom_components.sms_get.provider import (
    Estimate,
    PhoneNumber,
    UnsupportedCharactersError,
    check_text,
    estimate,
    normalize,
)
from custom_components.sms_get.provider.cost import (
    encoding,
    segments,
    unsupported_characters,
)

TW = normalize("0912345678")
TW2 = normalize("0987654321")
CN = normalize("13512345678")
HK = normalize("51234567")
US = normalize("+1 212 555 0123")


@pytest.mark.parametrize(
    ("length", "ascii_segments", "unicode_segments"),
    [
        (0, 0, 0),
        (1, 1, 1),
        (70, 1, 1),
        (71, 1, 2),
        (134, 1, 2),
        (135, 1, 3),
        (160, 1, 3),
        (161, 2, 3),
        (306, 2, 5),
        (307, 3, 5),
    ],
)
def test_segment_boundaries(
    length: int, ascii_segments: int, unicode_segments: int
) -> None:
    assert segments("a" * length) == ascii_segments
    assert segments("好" * length) == unicode_segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("x" * 159 + "é", 3, id="one-accent-makes-it-unicode"),
        pytest.param("~" * 160, 1, id="ascii-punctuation"),
        pytest.param("，" * 70, 1, id="full-width-punctuation"),  # noqa: RUF001
        pytest.param("a" * 70 + "好", 2, id="mixed-71"),
    ],
)
def test_what_counts_as_english(text: str, expected: int) -> None:
    assert segments(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("", "ascii"), ("Hi!", "ascii"), ("Hi 你好", "unicode")]
)
def test_encoding(text: str, expected: str) -> None:
    assert encoding(text) == expected


@pytest.mark.parametrize(
    ("text", "phones", "two_way", "expected"),
    [
        pytest.param(
            "hello",
            [TW, CN, HK],
            False,
            Estimate("ascii", 1, 7, [(TW, 1), (CN, 4), (HK, 2)]),
            id="one-segment-mixed",
        ),
        pytest.param(
            "好" * 71,
            [TW, CN, US],
            False,
            Estimate("unicode", 2, 14, [(TW, 2), (CN, 8), (US, 4)]),
            id="two-unicode-segments-mixed",
        ),
        pytest.param(
            "a" * 307,
            [CN],
            False,
            Estimate("ascii", 3, 12, [(CN, 12)]),
            id="three-ascii-segments-china",
        ),
        pytest.param(
            "回覆 03 確認" * 8,
            [TW, TW2],
            True,
            Estimate("unicode", 1, 2, [(TW, 1), (TW2, 1)]),
            id="two-way",
        ),
        pytest.param(
            "a" * 161,
            [TW],
            True,
            Estimate("ascii", 2, 2, [(TW, 2)]),
            id="two-way-two-segments",
        ),
        pytest.param(
            "", [TW, CN], False, Estimate("ascii", 0, 0, [(TW, 0), (CN, 0)]), id="empty"
        ),
        pytest.param("hi", [], False, Estimate("ascii", 1, 0, []), id="no-recipients"),
    ],
)
def test_estimate(
    text: str, phones: list[PhoneNumber], two_way: bool, expected: Estimate
) -> None:
    assert estimate(text, phones, two_way=two_way) == expected


@pytest.mark.parametrize(
    ("text", "characters"),
    [
        pytest.param("Hi 😀", ["😀"], id="emoji"),
        pytest.param("😀 a 😀 b 🎉 😀", ["😀", "🎉"], id="each-once-in-order"),
        pytest.param("好 𠀀 字", ["𠀀"], id="cjk-extension-b"),
        pytest.param("lone \ud83d surrogate", ["\ud83d"], id="lone-surrogate"),
    ],
)
def test_check_text_rejects_outside_the_bmp(text: str, characters: list[str]) -> None:
    with pytest.raises(UnsupportedCharactersError) as caught:
        check_text(text)
    assert caught.value.characters == characters
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    for character in characters:
        assert message.count(character) == 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Plain English.",
        "你好，世界！「測試」。",  # noqa: RUF001
        "ＡＢＣ１２３　全形",  # noqa: RUF001
        "café ½ €5 ™ ☺ ✓",
        "\uffff\u0800",
        "雙向簡訊回傳 03",
    ],
)
def test_check_text_accepts_the_bmp(text: str) -> None:
    check_text(text)
    assert unsupported_characters(text) == []
