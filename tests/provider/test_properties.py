"""Properties of the provider package for any input (hypothesis).

SMS_GET_FUZZ_EXAMPLES sets the examples per test (default 150), e.g. 10000 for a long run.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from datetime import datetime
from functools import partial
import gc
import os
import re
from time import perf_counter
import unicodedata
from urllib.parse import quote, unquote_plus

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from yarl import URL

from custom_components.sms_get.provider import (
    PROVIDER_TZ,
    InvalidPhoneNumberError,
    PhoneNumber,
    RecentLines,
    TooManyLinesError,
    check_text,
    estimate,
    normalize,
    parse_delivery_reports,
    parse_form,
    parse_replies,
)
from custom_components.sms_get.provider.callbacks import split_lines
from custom_components.sms_get.provider.cost import segments
from custom_components.sms_get.provider.phone import COUNTRIES

EXAMPLES = int(os.environ.get("SMS_GET_FUZZ_EXAMPLES", "150"))
# No deadline: a loaded CI machine is slow, not wrong. The autouse fixtures of Home
# Assistant's plugin hold no state these tests read.
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Characters that matter to the parsers, mixed with anything.
_PUNCTUATION = st.sampled_from(list("|,%+ -:0123456789\t\n"))
_NOISY_TEXT = st.text(st.one_of(_PUNCTUATION, st.characters()), max_size=200)

_DIGITS = "0123456789"
_PHONES = st.builds(
    str.__add__, st.sampled_from(["", "+"]), st.text(_DIGITS, min_size=4, max_size=20)
)
_IDS = st.text(_DIGITS + "abcdef", min_size=1, max_size=12)
# Whole seconds: the provider writes no fraction.
_TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)
).map(lambda when: when.replace(microsecond=0))
_STATUSES = st.text("ABCDELINRUVX", min_size=1, max_size=10)


def _time(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


def _provider_phone(raw: str) -> str:
    """Give a callback's phone as the events do: the provider's format when valid."""
    try:
        return normalize(raw).number
    except InvalidPhoneNumberError:
        return raw


def _without_controls(text: str) -> str:
    """Remove control characters but newline and tab, as the contract says, plainly."""
    return "".join(
        char for char in text if char in "\n\t" or unicodedata.category(char) != "Cc"
    )


@st.composite
def _line_soup(draw: st.DrawFn) -> str:
    """Pieces of good lines, broken, shuffled and joined."""
    pieces = draw(
        st.lists(
            st.one_of(
                _PHONES,
                _IDS,
                _TIMES.map(_time),
                _NOISY_TEXT,
                st.just("2026-02-30 10:00:00"),
            ),
            max_size=12,
        )
    )
    separators = draw(
        st.lists(st.sampled_from(["|", ",", ", ", " | ", ""]), min_size=len(pieces))
    )
    return "".join(piece + sep for piece, sep in zip(pieces, separators, strict=False))


_CONTENT = st.one_of(st.text(), _NOISY_TEXT, _line_soup())


@fuzz
@given(_CONTENT)
def test_parse_replies_never_raises(content: str) -> None:
    replies, malformed = parse_replies(content)
    for reply in replies:
        assert reply.received_at.tzinfo is PROVIDER_TZ
    for bad in malformed:
        assert bad.line
        assert bad.reason


@fuzz
@given(st.text(max_size=20), _CONTENT)
def test_parse_delivery_reports_never_raises(sms_id: str, content: str) -> None:
    reports, malformed = parse_delivery_reports(sms_id, content)
    for report in reports:
        assert report.message_id == _without_controls(sms_id).strip()
        assert report.status
    assert len(reports) + len(malformed) <= content.count(",") + 1


@fuzz
@given(st.lists(st.tuples(_PHONES, _IDS, _TIMES, st.text(max_size=40)), max_size=8))
def test_replies_round_trip(lines: list[tuple[str, str, datetime, str]]) -> None:
    """What the provider writes (text URL-encoded) comes back whole."""
    content = ",".join(
        f"{phone}|{ident}|{_time(when)}|{quote(text, safe='')}"
        for phone, ident, when, text in lines
    )
    replies, malformed = parse_replies(content)
    assert malformed == []
    assert [
        (reply.phone, reply.recipient_message_id, reply.received_at, reply.raw_text)
        for reply in replies
    ] == [
        (
            _provider_phone(phone),
            ident,
            when.replace(tzinfo=PROVIDER_TZ),
            _without_controls(text),
        )
        for phone, ident, when, text in lines
    ]


@fuzz
@given(st.lists(st.tuples(_PHONES, _IDS, _TIMES, _STATUSES), max_size=8))
def test_delivery_reports_round_trip(
    lines: list[tuple[str, str, datetime, str]],
) -> None:
    content = ",".join(
        f"{phone}|{ident}|{_time(when)}|{status}"
        for phone, ident, when, status in lines
    )
    reports, malformed = parse_delivery_reports("m1", content)
    assert malformed == []
    assert [
        (report.phone, report.recipient_message_id, report.reported_at, report.status)
        for report in reports
    ] == [
        (_provider_phone(phone), ident, when.replace(tzinfo=PROVIDER_TZ), status)
        for phone, ident, when, status in lines
    ]


# The document's rules read field by field, as plainly as they are written: the parser's
# one-match fast paths must agree with them on any input.
_REFERENCE_LINE_START = re.compile(r"(?:^|,)(?=[^,]*\||\s*(?:,|$))")
_REFERENCE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def _reference_split(content: str) -> list[str]:
    starts = [m.end() for m in _REFERENCE_LINE_START.finditer(content)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    ends = [start - 1 for start in starts[1:]] + [len(content)]
    lines = (
        content[start:end].strip() for start, end in zip(starts, ends, strict=True)
    )
    return [line for line in lines if line]


def _reference_report(line: str) -> tuple[str, str, datetime, str] | str:
    """The report a line gives, or the reason it is refused."""
    parts = line.strip().split("|", 3)
    if len(parts) != 4:
        return "expected phone|id|time|value"
    if len(line.strip()) > 16384:
        return "longer than 16384 characters"
    phone, identifier, time, status = (part.strip() for part in parts)
    identifier = _without_controls(identifier).strip()
    status = _without_controls(status).strip()
    if not re.fullmatch(r"\+?\d{4,20}", phone):
        return "missing or invalid phone number"
    if not identifier:
        return "missing message identifier"
    if not _REFERENCE_TIME.fullmatch(time):
        return "time is not YYYY-MM-DD HH:MM:SS"
    try:
        when = datetime.strptime(time, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return "time is not a valid date"
    if not status:
        return "missing status"
    return (
        _provider_phone(phone),
        identifier,
        when.replace(tzinfo=PROVIDER_TZ),
        status,
    )


# Whitespace as str.strip sees it, and digits the provider does not write but \d reads.
_FULL_WIDTH = str.maketrans("0123456789", "".join(map(chr, range(0xFF10, 0xFF1A))))
_SPACES = st.text(" \t\n\u3000\xa0", max_size=2)
_FIELDS = st.one_of(
    _PHONES,
    _IDS,
    _TIMES.map(_time),
    _TIMES.map(_time).map(lambda time: time.translate(_FULL_WIDTH)),
    _STATUSES,
    st.just("2026-02-30 10:00:00"),
    st.just("2026-01-01 24:00:61"),
    st.just(""),
    _NOISY_TEXT,
)


@fuzz
@given(st.lists(st.tuples(_SPACES, _FIELDS, _SPACES), min_size=1, max_size=6))
def test_report_line_agrees_with_field_by_field_reading(
    fields: list[tuple[str, str, str]],
) -> None:
    line = "|".join(before + field + after for before, field, after in fields)
    line = line.replace(",", "")
    if not line.strip():
        return
    reports, malformed = parse_delivery_reports("m1", line)
    expected = _reference_report(line)
    if isinstance(expected, str):
        assert reports == []
        assert [bad.reason for bad in malformed] == [expected]
    else:
        assert malformed == []
        assert [
            (r.phone, r.recipient_message_id, r.reported_at, r.status) for r in reports
        ] == [expected]


@fuzz
@given(_CONTENT)
def test_reply_lines_split_as_the_rule_says(content: str) -> None:
    assert split_lines(content) == _reference_split(content)


# Numbers that are often valid: a calling code (or none) and some digits, decorated.
_CALLING_CODES = st.sampled_from(
    ["", "+", "00", "0"]
    + [f"+{country.calling_code}" for country in COUNTRIES]
    + [f"00{country.calling_code}" for country in COUNTRIES]
    + [country.provider_prefix for country in COUNTRIES]
)
_NUMBERISH = st.builds(
    lambda code, digits, sep: code + sep + digits,
    _CALLING_CODES,
    st.from_regex(r"[0-9 .()\-]{4,16}", fullmatch=True),
    st.sampled_from(["", " ", "-", " (0)"]),
)


@st.composite
def _typed_numbers(draw: st.DrawFn) -> str:
    """A number of one of the 16 countries (or one digit off) as a user may type it."""
    country = draw(st.sampled_from(COUNTRIES))
    number = draw(st.from_regex(country.pattern, fullmatch=True))
    number = draw(
        st.sampled_from([number, number[:-1], number + draw(st.sampled_from("05"))])
    )
    national = number.removeprefix(country.provider_prefix)
    form = draw(
        st.sampled_from(
            [
                number,
                f"+{country.calling_code}{national}",
                f"00{country.calling_code}{national}",
            ]
        )
    )
    separators = draw(
        st.lists(st.sampled_from(["", "", " ", "-", "."]), min_size=len(form))
    )
    return "".join(char + sep for char, sep in zip(form, separators, strict=False))


def _normalize_or_error(raw: str) -> PhoneNumber | InvalidPhoneNumberError:
    """Any other exception propagates and fails the test."""
    try:
        return normalize(raw)
    except InvalidPhoneNumberError as err:
        return err


@fuzz
@given(st.one_of(st.text(max_size=30), _NUMBERISH, _typed_numbers()))
def test_normalize_raises_only_invalid_number_and_is_idempotent(raw: str) -> None:
    phone = _normalize_or_error(raw)
    if isinstance(phone, InvalidPhoneNumberError):
        assert phone.number == raw
        return
    assert normalize(phone.number) == phone
    assert phone.number.isascii()
    assert phone.number.isdigit()
    assert phone.points in {1, 2, 4}


@fuzz
@given(st.text(), st.text(min_size=1))
def test_segments_never_decrease_as_text_grows(text: str, more: str) -> None:
    assert segments(text + more) >= segments(text)
    assert segments(more + text) >= segments(text)


_PRINTABLE_BMP = st.text(
    st.characters(
        max_codepoint=0xFFFF, exclude_categories=["Cc", "Cf", "Cs", "Co", "Cn"]
    ),
    min_size=1,
    max_size=400,
)


@fuzz
@given(_PRINTABLE_BMP)
def test_every_printable_bmp_text_can_be_estimated(text: str) -> None:
    check_text(text)
    phones = [normalize("0912345678"), normalize("13512345678")]
    cost = estimate(text, phones)
    assert cost.segments >= 1
    assert cost.points == cost.segments * 5
    assert estimate(text, phones[:1], two_way=True).points == cost.segments


@fuzz
@given(
    st.integers(min_value=1, max_value=8), st.lists(st.text(max_size=3), max_size=40)
)
def test_recent_lines_stay_bounded(maxlen: int, lines: list[str]) -> None:
    recent = RecentLines(maxlen)
    for line in lines:
        recent.add(line)
        assert len(recent) <= maxlen
    if lines:
        # The latest line is always remembered.
        assert not recent.add(lines[-1])


# Runs of what once made the parser backtrack, behind the start of a line or none.
_HOSTILE_UNITS = st.text(" |,%+0123456789\t", min_size=1, max_size=6)
_HOSTILE_HEADS = st.sampled_from(
    [
        "",
        "0912345678|",
        "0912345678| ",
        "0912345678|x|",
        f"0912345678|x|{_time(datetime(2026, 1, 1))}|",
        f"0912345678|x|{_time(datetime(2026, 1, 1))}|D ",
    ]
)


def _cost(parse: Callable[[], object]) -> float:
    """Time a parse: the least of a few timings, what the work costs, not the noise."""
    timings = []
    for _ in range(5):
        start = perf_counter()
        with contextlib.suppress(TooManyLinesError):
            parse()
        timings.append(perf_counter() - start)
    return min(timings)


@settings(max_examples=min(EXAMPLES, 40), deadline=None)
@given(_HOSTILE_HEADS, _HOSTILE_UNITS)
def test_time_per_character_stays_flat(head: str, unit: str) -> None:
    """Parsing 8 times more of a hostile callback costs about 8 times more, not 64.

    A quadratic parser would cost 8 times more per character; the bound allows 3 times
    for noise. Sizes stay under a line's limit, so every field is really read.
    """
    small = head + unit * (1500 // len(unit))
    large = head + unit * (12_000 // len(unit))
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for parse in (
            parse_replies,
            partial(parse_delivery_reports, "m1"),
            parse_form,
        ):
            # A busy machine can slow one measurement; a quadratic parser fails all.
            for _ in range(3):
                small_cost = _cost(partial(parse, small)) / len(small)
                large_cost = _cost(partial(parse, large)) / len(large)
                # Below a microsecond, the call's own overhead is all there is to see.
                if large_cost <= max(3 * small_cost, 1e-9):
                    break
            else:
                pytest.fail(
                    f"parsing time grows faster than the input: {head!r}, {unit!r}"
                )
    finally:
        if gc_was:
            gc.enable()


_ENCODED = st.lists(
    st.one_of(
        st.sampled_from(["%", "+", "%E5", "%A5", "%BD", "%2B", "%zz", "%0", "%C3"]),
        st.characters(),
    ),
    max_size=20,
).map("".join)


@fuzz
@given(_ENCODED)
def test_reply_text_decoded_as_unquote_plus_does(text: str) -> None:
    """Decoded in one piece, a reply's text reads as urllib's unquote_plus reads it."""
    expected = _without_controls(unquote_plus(text, errors="replace"))
    replies, _ = parse_replies(f"0912345678|r1|2026-01-01 10:00:00|{text}")
    if "," in text or not text.strip() or text != text.strip():
        return
    assert [reply.raw_text for reply in replies] == [expected]


# What a form body may hold: fields, escapes valid or not, UTF-8 split or whole.
_FORM_PIECES = st.sampled_from(
    [
        *("a", "content", "=", "&", "+", "%2B", "%41", "%e4%b8%ad", "%e4", "%ZZ"),
        *("%", "%7C", "|", ",", " ", ";", "?", "#", "\u4e2d", "%F0%9F%98%80", "%0A"),
    ]
)


@given(st.lists(_FORM_PIECES, max_size=30).map("".join))
def test_form_reads_as_the_query_string(text: str) -> None:
    """A form body's fields are what yarl reads from the same query string."""
    assert parse_form(text) == list(
        URL.build(query_string=text, encoded=True).query.items()
    )
