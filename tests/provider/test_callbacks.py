"""Delivery-report and two-way reply callbacks, and the memory of lines taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import re
import re._constants as re_constants
import re._parser as re_parser
from urllib.parse import quote

import pytest

from custom_components.sms_get.provider import (
    MAX_LINE_LENGTH,
    PROVIDER_TZ,
    DeliveryReport,
    MalformedLine,
    RecentLines,
    Reply,
    TooManyLinesError,
    callbacks,
    fresh_window,
    is_stale,
    iso,
    parse_delivery_reports,
    parse_replies,
    split_code,
)

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


# --- hostile input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(
            "0912345678|" + " " * 2500 + "x", "expected", id="spaces-after-pipe"
        ),
        pytest.param(
            "0912345678|" + " " * 2500 + "|" + " " * 2500 + "x|y",
            "identifier",
            id="spaces-around-pipes",
        ),
        pytest.param(
            f"0912345678|x|{T1}|D" + " " * 30_000 + "X", "longer", id="status-spaces"
        ),
        pytest.param("|" * 20_000, "longer", id="pipes"),
        pytest.param("9" * 20_000 + f"|x|{T1}|v", "longer", id="digits"),
        pytest.param(f"0912345678|x|{T1}|" + "%" * 20_000, "longer", id="percents"),
    ],
)
def test_hostile_lines_are_malformed(content: str, reason: str) -> None:
    """The lines that once made the parser backtrack for seconds are refused."""
    for parsed, malformed in (
        parse_replies(content),
        parse_delivery_reports("m1", content),
    ):
        assert parsed == []
        assert len(malformed) == 1
        assert reason in malformed[0].reason


def test_more_than_a_thousand_lines_are_refused() -> None:
    report = f"0912345678|d1|{T1}|DELIVRD"
    reply = reply_line("0912345678", "r1", T1, "03 yes")
    # Blank lines are separators, not lines.
    for line in (report, reply):
        assert len(parse_replies(",".join([line] * 1000) + ",,, ,")[0]) == 1000
        reports = parse_delivery_reports("m1", ",".join([line] * 1000) + ",,")[0]
        assert len(reports) == 1000
    with pytest.raises(TooManyLinesError):
        parse_delivery_reports("m1", ",".join([report] * 1001))
    with pytest.raises(TooManyLinesError):
        parse_replies(",".join([reply] * 1001))
    # Malformed lines count too, and so do lines split at raw commas.
    with pytest.raises(TooManyLinesError):
        parse_replies(",".join(["x|y"] * 1001))
    with pytest.raises(TooManyLinesError):
        parse_replies(",".join([f"0912345678|r1|{T1}|a, b"] * 1001))
    with pytest.raises(TooManyLinesError):
        parse_delivery_reports("m1", "x," * 1001)


def test_line_length_counts_the_line_as_received() -> None:
    """16,384 characters of a line as received, before its text is decoded."""
    head = f"0912345678|r1|{T1}|"
    at_limit = head + "%E5%A5%BD" * ((MAX_LINE_LENGTH - len(head)) // 9)
    at_limit += "x" * (MAX_LINE_LENGTH - len(at_limit))
    assert len(at_limit) == MAX_LINE_LENGTH == 16384
    replies, malformed = parse_replies(at_limit)
    assert malformed == []
    assert len(replies[0].raw_text) < MAX_LINE_LENGTH // 3
    replies, malformed = parse_replies(f"{at_limit}x,{GOOD_REPLY_1}")
    assert replies == [REPLY_1]
    assert [bad.reason for bad in malformed] == ["longer than 16384 characters"]
    reports, malformed = parse_delivery_reports(
        "m1", f"{head}{'D' * (MAX_LINE_LENGTH + 1 - len(head))},{GOOD_REPORT_1}"
    )
    assert reports == [REPORT_1]
    assert [bad.reason for bad in malformed] == ["longer than 16384 characters"]


def test_control_characters_are_removed() -> None:
    """Control characters but newline and tab never reach what a line gives."""
    replies, malformed = parse_replies(
        reply_line("0912345678", "r\x001", T1, "03 a\x00b\r\nc\td\x7fe\x85f\x1bg")
    )
    assert malformed == []
    assert replies == [Reply("0912345678", "r1", AT1, "03 ab\nc\tdefg")]
    reports, _ = parse_delivery_reports(
        "m\x001\r\n", f"0912345678|d\x071|{T1}|DELIV\x00RD\r"
    )
    assert reports == [REPORT_1]
    # Nothing left once they go: as if the field were empty.
    _, malformed = parse_delivery_reports("m1", f"0912345678|\x00\x01|{T1}|DELIVRD")
    assert [bad.reason for bad in malformed] == ["missing message identifier"]
    _, malformed = parse_delivery_reports("m1", f"0912345678|d1|{T1}|\x00")
    assert [bad.reason for bad in malformed] == ["missing status"]
    _, malformed = parse_delivery_reports("\x00", GOOD_REPORT_1)
    assert [bad.reason for bad in malformed] == ["missing sms_id"]


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("0912345678", "0912345678"),
        ("+886912345678", "0912345678"),
        ("886912345678", "0912345678"),
        ("00886912345678", "0912345678"),
        ("\uff10\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "0912345678"),
        ("+85291234567", "91234567"),
        ("+12125550123", "0012125550123"),
        # Not a number of the 16 countries: as received.
        ("+4420712345", "+4420712345"),
        ("12345", "12345"),
        ("091234567", "091234567"),
    ],
)
def test_phones_in_the_providers_format_when_valid(phone: str, expected: str) -> None:
    replies, _ = parse_replies(reply_line(phone, "r1", T1, "hi"))
    reports, _ = parse_delivery_reports("m1", f"{phone}|d1|{T1}|DELIVRD")
    assert [reply.phone for reply in replies] == [expected]
    assert [report.phone for report in reports] == [expected]


def test_no_pattern_can_backtrack() -> None:
    """Every pattern applied to callback input is bounded, or one character class.

    A pattern with no unbounded repeat, matched at one place, costs at most a constant:
    a line costs time linear in its length, by construction.
    """
    patterns = [
        value for value in vars(callbacks).values() if isinstance(value, re.Pattern)
    ]
    assert patterns
    for pattern in patterns:
        repeats = _unbounded_repeats(re_parser.parse(pattern.pattern))
        assert repeats == [], pattern.pattern


def _unbounded_repeats(parsed: re_parser.SubPattern) -> list[object]:
    found: list[object] = []
    for op, arg in parsed:
        if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT):
            _low, high, sub = arg
            if high == re_constants.MAXREPEAT:
                found.append(arg)
            found += _unbounded_repeats(sub)
        elif op is re_constants.SUBPATTERN:
            found += _unbounded_repeats(arg[-1])
        elif op is re_constants.BRANCH:
            for branch in arg[1]:
                found += _unbounded_repeats(branch)
    return found


@pytest.mark.parametrize(
    ("offset", "stale"),
    [
        (timedelta(0), False),
        (-timedelta(minutes=15), False),
        (-timedelta(minutes=15, seconds=1), True),
        (-timedelta(days=400), True),
        (timedelta(minutes=5), False),
        (timedelta(minutes=5, seconds=1), True),
    ],
)
def test_stale_replies(offset: timedelta, stale: bool) -> None:
    """More than 15 minutes old or 5 ahead, on any clock's zone."""
    now = datetime(2026, 1, 1, 13, 8, 7, tzinfo=UTC)
    assert is_stale(AT1 + offset, now) is stale


def test_fresh_window_on_the_provider_clock() -> None:
    """The window of carrier times to act on, in the zone parsed times carry."""
    earliest, latest = fresh_window(datetime(2026, 1, 1, 13, 8, 7, tzinfo=UTC))
    assert (earliest, latest) == (
        AT1 - timedelta(minutes=15),
        AT1 + timedelta(minutes=5),
    )
    assert earliest.tzinfo is latest.tzinfo is PROVIDER_TZ


# --- callbacks as SMS-Get really sends them -----------------------------------------


def test_real_delivery_report() -> None:
    """A numeric sms_id and recipient message IDs that start with "$"."""
    reports, malformed = parse_delivery_reports(
        "1783822",
        f"0912345678|$0040B0FA7|{T1}|DELIVRD,0987654321|$0040B0FA8|{T2}|UNDELIV",
    )
    assert malformed == []
    assert reports == [
        DeliveryReport("1783822", "0912345678", "$0040B0FA7", AT1, "DELIVRD"),
        DeliveryReport("1783822", "0987654321", "$0040B0FA8", AT2, "UNDELIV"),
    ]


def test_real_reply() -> None:
    """A 13-digit millisecond-epoch ID, and the two-way code glued to the text."""
    replies, malformed = parse_replies(
        reply_line("0912345678", "1767272887123", T1, "24測試1529")
    )
    assert malformed == []
    assert replies == [Reply("0912345678", "1767272887123", AT1, "24測試1529")]
    assert split_code(replies[0].raw_text, "24") == ("24", "測試1529")
