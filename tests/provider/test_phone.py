"""Phone numbers: the 16 countries of the document, in the forms users type."""

from __future__ import annotations

import pytest

from custom_components.sms_get.provider import (
    InvalidPhoneNumberError,
    PhoneNumber,
    normalize,
)
from custom_components.sms_get.provider.cost import points_per_segment
from custom_components.sms_get.provider.phone import COUNTRIES

# country -> (expected provider format, inputs that mean it)
VALID: dict[str, list[tuple[str, list[str]]]] = {
    "TW": [
        ("0912345678", ["0912345678", "0912-345-678", "+886 912 345 678"]),
        ("0987654321", ["+886-987-654-321", "00886 987 654 321", "886987654321"]),
        ("0955000111", ["+886 (0)955.000.111", "(0955) 000-111", "+886955000111"]),
    ],
    "CN": [
        ("13512345678", ["13512345678", "+86 135 1234 5678", "0086-135-1234-5678"]),
        ("18600001111", ["+86.186.0000.1111", "00 86 186 0000 1111", "186 0000 1111"]),
        ("15900002222", ["+86 (159) 0000-2222", "8615900002222", "159-0000-2222"]),
    ],
    "HK": [
        ("51234567", ["51234567", "5123 4567", "+852 5123 4567"]),
        ("91234567", ["+852 (9123) 4567", "00852-9123-4567", "9123.4567"]),
        ("61234567", ["+852.6123.4567", "852 6123 4567", "(6123) 4567"]),
    ],
    "MO": [
        ("85366123456", ["85366123456", "853 6612 3456", "+853 6612 3456"]),
        ("85362123456", ["00853-6212-3456", "+853 (6212) 3456", "+853.6212.3456"]),
        ("85368000000", ["+85368000000", "00853 6800 0000", "853-6800-0000"]),
    ],
    "JP": [
        ("819012345678", ["819012345678", "+81 90-1234-5678", "+81 (0)90 1234 5678"]),
        ("818012345678", ["0081 80 1234 5678", "+81.80.1234.5678", "81 80 1234 5678"]),
        ("817012345678", ["+81 (70) 1234-5678", "0081-70-1234-5678", "+817012345678"]),
    ],
    "MY": [
        ("60123456789", ["60123456789", "+60 12-345 6789", "0060 12 345 6789"]),
        ("601123456789", ["601123456789", "+60 11-2345 6789", "0060 11 2345 6789"]),
        ("60198765432", ["+60 (0)19 876 5432", "+60.19.876.5432", "60 19 876 5432"]),
    ],
    "VN": [
        ("84912345678", ["84912345678", "+84 91 234 5678", "0084 (0)91-234-5678"]),
        ("84381234567", ["+84 38 123 4567", "0084.38.123.4567", "84 38 123 45 67"]),
        ("849123456789", ["849123456789", "+84 912 345 6789", "(84) 912-345-6789"]),
    ],
    "ID": [
        ("628123456789", ["628123456789", "+62 812-3456-789", "0062 812 3456 789"]),
        ("6281234567890", ["6281234567890", "+62 812 3456 7890", "0062.812.3456.7890"]),
        (
            "6285712345678",
            ["+62 (0)857 1234 5678", "62-857-1234-5678", "+6285712345678"],
        ),
    ],
    "TH": [
        ("66812345678", ["66812345678", "+66 81 234 5678", "+66 (0)81-234-5678"]),
        ("66912345678", ["0066.91.234.5678", "66 91 234 5678", "+66-91-234-5678"]),
        ("66612345678", ["+66 61 234 5678", "0066 (61) 234 5678", "+66612345678"]),
    ],
    "AU": [
        ("61412345678", ["61412345678", "+61 412 345 678", "+61 (0)412 345 678"]),
        ("61498765432", ["0061-498-765-432", "61 498 765 432", "+61.498.765.432"]),
        ("61400000001", ["+61 400 000 001", "0061 (0) 400 000 001", "+61400000001"]),
    ],
    "SG": [
        ("6581234567", ["6581234567", "+65 8123 4567", "0065 8123-4567"]),
        ("6591234567", ["+65.9123.4567", "65 9123 4567", "+65 (9123) 4567"]),
        ("6561234567", ["+6561234567", "0065-6123-4567", "65-6123-4567"]),
    ],
    "PH": [
        ("639171234567", ["639171234567", "+63 917 123 4567", "+63 (0)917-123-4567"]),
        ("639281234567", ["0063 928 123 4567", "63.928.123.4567", "+63-928-123-4567"]),
        ("639998887777", ["+639998887777", "0063 (999) 888 7777", "63 999 888 7777"]),
    ],
    "AE": [
        ("971501234567", ["971501234567", "+971 50 123 4567", "00971-50-123-4567"]),
        ("971551234567", ["+971 (0)55 123 4567", "971.55.123.4567", "+971551234567"]),
        ("971561234567", ["0097156 123 4567", "971 56 123 4567", "+971-56-123-4567"]),
    ],
    "KH": [
        ("85512345678", ["85512345678", "+855 12 345 678", "00855 (0)12-345-678"]),
        ("855961234567", ["855961234567", "+855 96 123 4567", "0085596 123 4567"]),
        ("85577123456", ["+855.77.123.456", "855 77 123 456", "+85577123456"]),
    ],
    "US": [
        ("0012125550123", ["0012125550123", "+1 (212) 555-0123", "+1.212.555.0123"]),
        ("0014155550199", ["001 415 555 0199", "+1 415-555-0199", "+14155550199"]),
        (
            "0016505550100",
            ["001-650-555-0100", "(001) 650 555 0100", "+1 650 555 0100"],
        ),
    ],
    "KR": [
        ("821012345678", ["821012345678", "+82 10-1234-5678", "+82 (0)10 1234 5678"]),
        ("82101234567", ["82101234567", "+82 10 123 4567", "0082 10-123-4567"]),
        ("821098765432", ["0082 10 9876 5432", "82.10.9876.5432", "+821098765432"]),
    ],
}

# country -> inputs that look like its numbers but are not valid (length, prefix, letters)
INVALID: dict[str, list[str]] = {
    "TW": [
        "091234567",
        "09123456789",
        "0812345678",
        "+886 812 345 678",
        "0912-345-67O",
    ],
    "CN": ["1351234567", "+86 235 1234 5678", "+86 135 1234 56789", "135I2345678"],
    "HK": ["5123456", "+852 3123 4567", "+852 5123 45678", "5123-456a"],
    "MO": ["8536612345", "+853 6612 34567", "+854 6612 3456", "853 66I2 3456"],
    "JP": ["81901234567", "+81 90 1234 56789", "+80 90 1234 5678", "+81 9O 1234 5678"],
    "MY": ["6012345678", "+60 12 3456 789012", "+59 12 345 6789", "+60 12 345 67b9"],
    "VN": ["8491234567", "+84 91 234 567890", "+85 91 234 5678", "+84 91 234 567B"],
    "ID": [
        "62812345678",
        "+62 812 3456 789012",
        "+64 812 3456 789",
        "+62 812 ABCD 789",
    ],
    "TH": ["6681234567", "+66 81 234 56789", "+67 81 234 5678", "+66 81 234 567x"],
    "AU": ["6141234567", "+61 412 345 6789", "+69 412 345 678", "+61 412 345 67B"],
    "SG": ["658123456", "+65 8123 45678", "+66 8123 4567", "+65 8123 456l"],
    "PH": ["63917123456", "+63 917 123 45678", "+64 917 123 456", "+63 917 l23 4567"],
    "AE": ["97150123456", "+971 50 123 45678", "+972 50 123 4567", "+971 50 123 456X"],
    "KH": ["8551234567", "+855 12 345 678901", "+856 12 345 678", "+855 12 345 67S"],
    "US": ["001212555012", "+1 212 555 01234", "+2 212 555 0123", "+1 212 555 O123"],
    "KR": ["8210123456", "+82 10 1234 567890", "+83 10 1234 5678", "+82 10 1234 S678"],
}

# As a CJK input method types them: full-width digits, plus, space and dashes.
FULL_WIDTH = "０９１２３４５６７８"  # noqa: RUF001
FULL_WIDTH_E164 = "＋８８６　９１２－３４５－６７８"  # noqa: RUF001

EXPECTED_POINTS = {"TW": 1, "CN": 4} | {
    country: 2 for country in INVALID if country not in {"TW", "CN"}
}


def test_tables_cover_every_country() -> None:
    countries = {country.iso for country in COUNTRIES}
    assert len(countries) == 16
    assert set(VALID) == set(INVALID) == set(EXPECTED_POINTS) == countries


@pytest.mark.parametrize(
    ("raw", "number", "country"),
    [
        pytest.param(raw, number, country, id=f"{country}-{raw}")
        for country, cases in VALID.items()
        for number, raws in cases
        for raw in raws
    ],
)
def test_valid_numbers(raw: str, number: str, country: str) -> None:
    phone = normalize(raw)
    assert phone == PhoneNumber(number, country)
    # The provider format is a fixed point.
    assert normalize(phone.number) == phone


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        pytest.param(raw, country, id=f"{country}-{raw}")
        for country, raws in INVALID.items()
        for raw in raws
    ],
)
def test_invalid_numbers(raw: str, country: str) -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize(raw)
    assert caught.value.number == raw
    assert raw in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "+",
        "00",
        "phone",
        "+44 7700 900123",
        "+49 151 23456789",
        "0912345678, 0987654321",
        "0912345678;",
        "+886 912 345 678 ext. 12",
        "٠٩١٢٣٤٥٦٧٨x",  # noqa: RUF001
        "0912345678\n0987654321",
    ],
)
def test_other_invalid_input(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize(raw)
    assert repr(raw) in str(caught.value)


@pytest.mark.parametrize("raw", [None, 912345678, ["0912345678"]])
def test_not_a_string(raw: object) -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize(raw)  # type: ignore[arg-type]
    assert caught.value.number == str(raw)


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        pytest.param(FULL_WIDTH, "0912345678", id="full-width-digits"),
        pytest.param(FULL_WIDTH_E164, "0912345678", id="full-width-plus-dashes"),
        pytest.param("٠٩١٢٣٤٥٦٧٨", "0912345678", id="arabic-indic-digits"),
        pytest.param(" \t0912\u00a0345\u2013678 ", "0912345678", id="unicode-spaces"),
        pytest.param("[0912] 345 678", "0912345678", id="square-brackets"),
    ],
)
def test_unicode_input(raw: str, number: str) -> None:
    assert normalize(raw) == PhoneNumber(number, "TW")


@pytest.mark.parametrize(("country", "points"), EXPECTED_POINTS.items())
def test_points_per_segment(country: str, points: int) -> None:
    number, _ = VALID[country][0]
    phone = normalize(number)
    assert phone.points == points
    assert points_per_segment(phone) == points
    assert points_per_segment(phone, two_way=True) == 1
