"""Delivery-report and two-way reply callbacks, and the memory of lines taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from custom_components.sms_get.provider import (
    DeliveryReport,
    MalformedLine,
    RecentLines,
    Reply,
    parse_delivery_reports,
    parse_replies,
    split_code,
)
from custom_components.sms_get.provider.callbacks import PROVIDER_TZ, iso, now_provider

T1 = "2026-01-01 21:08:07"
T2 = "2026-01-02 08:00:59"
AT1 = datetime(2026, 1, 1, 21, 8, 7, tzinfo=PROVIDER_TZ)
AT2 = datetime(2026, 1, 2, 8, 0, 59, tzinfo=PROVIDER_TZ)


def reply_line(phone: str, identifier: str, time: str, text: str) -> str:
    """A line as the provider writes it: the text URL-encoded inside the line."""
    return f"{phone}|{identifier}|{time}|{quote(text, safe='')}"


GOOD_REPLY_1 = reply_line("0912345678", "r1", T1, "03 yes, +1 好")
GOOD_REPLY_2 = reply_line("0987654321", "r2", T2, "03 no|maybe")
REPLY_1 = Reply("0912345678", "r1", AT1, "03 yes, +1 好")
REPLY_2 = Reply("0987654321", "r2", AT2, "03 no|maybe")

GOOD_REPORT_1 = f"0912345678|d1|{T1}|DELIVRD"
GOOD_REPORT_2 = f"0987654321|d2|{T2}|UNDELIV"
REPORT_1 = DeliveryReport("m1", "0912345678", "d1", AT1, "DELIVRD")
REPORT_2 = DeliveryReport("m1", "0987654321", "d2", AT2, "UNDELIV")

# Lines no callback may hold, with a word of the reason given; for both kinds.
MALFORMED = [
    pytest.param("0912345678|x1|2026-01-01 10:00:00", "expected", id="three-fields"),
    pytest.param("0912345678|x1", "expected", id="two-fields"),
    pytest.param("|x1|2026-01-01 10:00:00|v", "phone", id="no-phone"),
    pytest.param("abc|x1|2026-01-01 10:00:00|v", "phone", id="phone-letters"),
    pytest.param("091|x1|2026-01-01 10:00:00|v", "phone", id="phone-too-short"),
    pytest.param("0912345678||2026-01-01 10:00:00|v", "identifier", id="no-id"),
    pytest.param("0912345678| |2026-01-01 10:00:00|v", "identifier", id="blank-id"),
    pytest.param("0912345678|x1|2026-02-30 10:00:00|v", "valid date", id="feb-30"),
    pytest.param("0912345678|x1|2026-13-01 10:00:00|v", "valid date", id="month-13"),
    pytest.param("0912345678|x1|2026-01-01 24:00:00|v", "valid date", id="hour-24"),
    pytest.param("0912345678|x1|2026-01-01 10:60:00|v", "valid date", id="minute-60"),
    pytest.param("0912345678|x1|2026-01-01 10:00|v", "YYYY", id="no-seconds"),
    pytest.param("0912345678|x1|2026/01/01 10:00:00|v", "YYYY", id="slashes"),
    pytest.param("0912345678|x1|2026-01-01T10:00:00|v", "YYYY", id="iso-t"),
    pytest.param("0912345678|x1||v", "YYYY", id="no-time"),
    pytest.param("0912345678|x1|yesterday|v", "YYYY", id="words"),
    pytest.param(
        "0912345678|x1|\uff12\uff10\uff12\uff16-01-01 10:00:00|v",
        "YYYY",
        id="full-width-digits",
    ),
    pytest.param("0912345678|x1|2026-01-01 10:00:61|v", "valid date", id="sec-61"),
]


# --- two-way replies ----------------------------------------------------------------


def test_reply_from_the_document() -> None:
    content = (
        "0912345678|59c4e123|2013-01-01 21:08:07|"
        "03%E9%9B%99%E5%90%91%E7%B0%A1%E8%A8%8A%E5%9B%9E%E5%82%B3"
    )
    replies, malformed = parse_replies(content)
    assert replies == [
        Reply(
            "0912345678",
            "59c4e123",
            datetime(2013, 1, 1, 21, 8, 7, tzinfo=PROVIDER_TZ),
            "03雙向簡訊回傳",
        )
    ]
    assert malformed == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(GOOD_REPLY_1, [REPLY_1], id="comma-and-plus-encoded"),
        pytest.param(
            f"{GOOD_REPLY_1},{GOOD_REPLY_2}", [REPLY_1, REPLY_2], id="two-lines"
        ),
        pytest.param(
            ",".join([GOOD_REPLY_2, GOOD_REPLY_1, GOOD_REPLY_2]),
            [REPLY_2, REPLY_1, REPLY_2],
            id="three-lines-in-order",
        ),
        pytest.param(
            f"0912345678|r1|{T1}|03+yes%2C+%2B1+%E5%A5%BD",
            [REPLY_1],
            id="php-urlencode-style",
        ),
        pytest.param(
            f"0912345678|r1|{T1}|03 yes, I will come,{GOOD_REPLY_2}",
            [Reply("0912345678", "r1", AT1, "03 yes, I will come"), REPLY_2],
            id="raw-comma-kept-in-its-reply",
        ),
        pytest.param(
            f"0912345678|r1|{T1}|03 call me, 0987654321, ok",
            [Reply("0912345678", "r1", AT1, "03 call me, 0987654321, ok")],
            id="raw-commas-and-a-number",
        ),
        pytest.param(
            f"0987654321|r2|{T2}|03 no|maybe",
            [REPLY_2],
            id="raw-pipe-kept-in-its-reply",
        ),
        pytest.param(
            f" {GOOD_REPLY_1} , {GOOD_REPLY_2} ", [REPLY_1, REPLY_2], id="spaces"
        ),
        pytest.param(
            f"0912345678 | r1 | {T1} | {quote('03 yes, +1 好')} ,"
            f"\t0987654321 |r2|  {T2}  |03%20no%7Cmaybe",
            [REPLY_1, REPLY_2],
            id="spaces-around-fields",
        ),
        pytest.param(
            f",{GOOD_REPLY_1},,{GOOD_REPLY_2},", [REPLY_1, REPLY_2], id="empty-lines"
        ),
        pytest.param(
            f"+886912345678|r3|{T1}|",
            [Reply("0912345678", "r3", AT1, "")],
            id="plus-phone-empty-text",
        ),
        pytest.param(
            f"0912345678|r1|{T1}|100%25 %E5%A5 %zz",
            [Reply("0912345678", "r1", AT1, "100% \ufffd %zz")],
            id="bad-percent-encoding-replaced",
        ),
    ],
)
def test_replies(content: str, expected: list[Reply]) -> None:
    replies, malformed = parse_replies(content)
    assert replies == expected
    assert malformed == []


@pytest.mark.parametrize("content", ["", "   ", ",", " , ,, "])
def test_replies_of_empty_content(content: str) -> None:
    assert parse_replies(content) == ([], [])


@pytest.mark.parametrize(("line", "reason"), MALFORMED)
def test_malformed_reply_lines(line: str, reason: str) -> None:
    content = ",".join([GOOD_REPLY_1, line, GOOD_REPLY_2])
    replies, malformed = parse_replies(content)
    assert replies == [REPLY_1, REPLY_2]
    [bad] = malformed
    assert bad.line == line
    assert reason in bad.reason


@pytest.mark.parametrize(
    "content", ["garbage", "garbage with words", "12345", "%E5%A5%BD"]
)
def test_reply_content_without_any_line(content: str) -> None:
    assert parse_replies(content) == (
        [],
        [MalformedLine(content, "expected phone|id|time|value")],
    )


def test_text_before_the_first_line_is_its_own_line() -> None:
    replies, malformed = parse_replies(f"junk,{GOOD_REPLY_1}")
    assert replies == [REPLY_1]
    assert [line.line for line in malformed] == ["junk"]


# --- delivery reports ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(GOOD_REPORT_1, [REPORT_1], id="one"),
        pytest.param(
            f"{GOOD_REPORT_1},{GOOD_REPORT_2}", [REPORT_1, REPORT_2], id="two"
        ),
        pytest.param(
            ",".join([GOOD_REPORT_2] * 2 + [GOOD_REPORT_1]),
            [REPORT_2, REPORT_2, REPORT_1],
            id="repeated-kept",
        ),
        pytest.param(
            f"  0912345678 | d1 | {T1} | DELIVRD  ,\t{GOOD_REPORT_2}\n",
            [REPORT_1, REPORT_2],
            id="whitespace",
        ),
        pytest.param(f",,{GOOD_REPORT_1},", [REPORT_1], id="empty-lines"),
        pytest.param(
            f"0912345678|d1|{T1}|EXPIRED",
            [DeliveryReport("m1", "0912345678", "d1", AT1, "EXPIRED")],
            id="other-status",
        ),
    ],
)
def test_delivery_reports(content: str, expected: list[DeliveryReport]) -> None:
    reports, malformed = parse_delivery_reports("m1", content)
    assert reports == expected
    assert malformed == []


@pytest.mark.parametrize(
    ("status", "delivered"),
    [("DELIVRD", True), ("UNDELIV", False), ("delivrd", False), ("REJECTD", False)],
)
def test_delivered_means_delivrd(status: str, delivered: bool) -> None:
    [report], _ = parse_delivery_reports("m1", f"0912345678|d1|{T1}|{status}")
    assert report.status == status
    assert report.delivered is delivered


@pytest.mark.parametrize(("line", "reason"), MALFORMED)
def test_malformed_report_lines(line: str, reason: str) -> None:
    content = ",".join([GOOD_REPORT_1, line, GOOD_REPORT_2])
    reports, malformed = parse_delivery_reports("m1", content)
    assert reports == [REPORT_1, REPORT_2]
    [bad] = malformed
    assert bad.line == line
    assert reason in bad.reason


def test_report_without_a_status() -> None:
    line = f"0912345678|d3|{T1}|  "
    reports, malformed = parse_delivery_reports(
        "m1", f"{GOOD_REPORT_1},{line},{GOOD_REPORT_2}"
    )
    assert reports == [REPORT_1, REPORT_2]
    assert malformed == [MalformedLine(line.strip(), "missing status")]


@pytest.mark.parametrize("sms_id", ["", "   "])
def test_reports_without_sms_id(sms_id: str) -> None:
    reports, malformed = parse_delivery_reports(
        sms_id, f"{GOOD_REPORT_1},{GOOD_REPORT_2}"
    )
    assert reports == []
    assert malformed == [
        MalformedLine(GOOD_REPORT_1, "missing sms_id"),
        MalformedLine(GOOD_REPORT_2, "missing sms_id"),
    ]


def test_report_sms_id_is_trimmed() -> None:
    reports, _ = parse_delivery_reports(" m1 \n", GOOD_REPORT_1)
    assert reports == [REPORT_1]


@pytest.mark.parametrize("content", ["", "  ", ",,", " , "])
def test_reports_of_empty_content(content: str) -> None:
    assert parse_delivery_reports("m1", content) == ([], [])


# --- times --------------------------------------------------------------------------


def test_times_are_gmt_plus_8() -> None:
    [report], _ = parse_delivery_reports("m1", GOOD_REPORT_1)
    assert report.reported_at.utcoffset() == timedelta(hours=8)
    assert report.reported_at == datetime(2026, 1, 1, 13, 8, 7, tzinfo=UTC)
    [reply], _ = parse_replies(GOOD_REPLY_2)
    assert reply.received_at.utcoffset() == timedelta(hours=8)
    assert reply.received_at == datetime(2026, 1, 2, 0, 0, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (AT1, "2026-01-01T21:08:07+08:00"),
        (datetime(2026, 12, 31, 20, 30, tzinfo=UTC), "2027-01-01T04:30:00+08:00"),
    ],
)
def test_iso(when: datetime, expected: str) -> None:
    assert iso(when) == expected


def test_now_provider() -> None:
    now = now_provider()
    assert now.utcoffset() == timedelta(hours=8)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


# --- two-way code -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("03 yes", "03", ("03", "yes")),
        ("  03yes please ", "03", ("03", "yes please")),
        ("03", "03", ("03", "")),
        ("03 雙向簡訊回傳", "03", ("03", "雙向簡訊回傳")),
        ("04 yes", "03", (None, "04 yes")),
        ("yes 03", "03", (None, "yes 03")),
        (" 03 yes ", None, (None, "03 yes")),
        ("03 yes", "", (None, "03 yes")),
        ("", "03", (None, "")),
    ],
)
def test_split_code(
    text: str, code: str | None, expected: tuple[str | None, str]
) -> None:
    assert split_code(text, code) == expected


# --- lines already taken ------------------------------------------------------------


def test_recent_lines_fire_once() -> None:
    recent = RecentLines()
    assert recent.maxlen == 4096
    assert recent.add("d", "m1", "0912345678") is True
    assert recent.add("d", "m1", "0912345678") is False
    assert recent.add("r", "m1", "0912345678") is True
    # Parts are kept apart: ("ab", "c") is not ("a", "bc").
    assert recent.add("ab", "c") is True
    assert recent.add("a", "bc") is True
    assert recent.add("lone \ud800 surrogate") is True
    assert len(recent) == 5


@pytest.mark.parametrize("maxlen", [1, 2, 5, 64])
def test_recent_lines_never_exceed_maxlen(maxlen: int) -> None:
    recent = RecentLines(maxlen)
    sizes = []
    for index in range(3 * maxlen):
        assert recent.add(str(index)) is True
        sizes.append(len(recent))
    assert sizes == [min(index + 1, maxlen) for index in range(3 * maxlen)]


def test_recent_lines_forget_the_least_recently_seen() -> None:
    recent = RecentLines(2)
    assert recent.add("a")
    assert recent.add("b")
    assert not recent.add("a")  # seen again: now the most recent
    assert recent.add("c")  # "b" goes
    assert not recent.add("a")
    assert recent.add("b")
    assert len(recent) == 2
