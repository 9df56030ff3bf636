"""The callback webhook: delivery reports and two-way replies reaching the event bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
import logging
from typing import Any
from urllib.parse import quote, quote_from_bytes, urlencode

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import Event, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sms_get.const import DOMAIN
from custom_components.sms_get.provider import RecentLines
from custom_components.sms_get.webhook import DATA_WEBHOOK
from simulator import Simulator

from .conftest import PASSWORD, USERNAME, WEBHOOK_ID

URL = f"/api/webhook/{WEBHOOK_ID}"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MAX_BYTES = 1024 * 1024
TWO_WAY_CODE = "03"

SMS_ID = "59c4e123"
TIME = "2025-06-01 21:08:07"
ISO_TIME = "2025-06-01T21:08:07+08:00"
ENTRY_ID = "01JSMSGETENTRY0000000000000"

type Client = TestClient[Any, Any]
type Send = Callable[[Client, dict[str, str]], Awaitable[ClientResponse]]


def reply_line(phone: str, recipient_id: str, text: str, time: str = TIME) -> str:
    """A reply line as the provider writes it: the text URL-encoded inside the line."""
    return f"{phone}|{recipient_id}|{time}|{quote(text, safe='')}"


def report_line(phone: str, recipient_id: str, status: str, time: str = TIME) -> str:
    """A delivery-report line as the provider writes it."""
    return f"{phone}|{recipient_id}|{time}|{status}"


def report_event(
    phone: str, recipient_id: str, status: str, *, entry_id: str = ENTRY_ID
) -> dict[str, Any]:
    """The event data a delivery-report line fires."""
    return {
        "config_entry_id": entry_id,
        "message_id": SMS_ID,
        "phone": phone,
        "recipient_message_id": recipient_id,
        "reported_at": ISO_TIME,
        "status": status,
        "delivered": status == "DELIVRD",
        "recipient": None,
    }


def reply_event(
    phone: str,
    recipient_id: str,
    raw_text: str,
    code: str | None,
    text: str,
    *,
    entry_id: str = ENTRY_ID,
) -> dict[str, Any]:
    """The event data a reply line fires."""
    return {
        "config_entry_id": entry_id,
        "phone": phone,
        "recipient_message_id": recipient_id,
        "received_at": ISO_TIME,
        "raw_text": raw_text,
        "code": code,
        "text": text,
        "recipient": None,
    }


def _data(events: list[Event]) -> list[dict[str, Any]]:
    return [dict(event.data) for event in events]


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The account, with its two-way code configured."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=USERNAME,
        unique_id=USERNAME,
        data=entry_data,
        options={"two_way_code": TWO_WAY_CODE, "low_credit_threshold": 50},
        entry_id=ENTRY_ID,
    )


@pytest.fixture
async def client(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> Client:
    """An HTTP client for Home Assistant, with SMS-Get set up."""
    return await hass_client_no_auth()


@dataclass
class Captured:
    """The callback events fired during a test."""

    reports: list[Event]
    replies: list[Event]


@pytest.fixture
def events(hass: HomeAssistant) -> Captured:
    """Delivery-report and reply events."""
    return Captured(
        reports=async_capture_events(hass, "sms_get_delivery_report"),
        replies=async_capture_events(hass, "sms_get_reply_received"),
    )


async def _post_query(client: Client, params: dict[str, str]) -> ClientResponse:
    return await client.post(URL, params=params)


async def _post_form(client: Client, params: dict[str, str]) -> ClientResponse:
    return await client.post(URL, data=params)


async def _post_form_charset(client: Client, params: dict[str, str]) -> ClientResponse:
    return await client.post(
        URL,
        data=urlencode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )


async def _post_split(client: Client, params: dict[str, str]) -> ClientResponse:
    """sms_id in the query string, content in the body, as a PHP form might do."""
    query = {key: value for key, value in params.items() if key != "content"}
    return await client.post(URL, params=query, data={"content": params["content"]})


async def _put_form(client: Client, params: dict[str, str]) -> ClientResponse:
    return await client.put(URL, data=params)


async def _put_query(client: Client, params: dict[str, str]) -> ClientResponse:
    return await client.put(URL, params=params)


async def _get_query(client: Client, params: dict[str, str]) -> ClientResponse:
    return await client.get(URL, params=params)


TRANSPORTS = pytest.mark.parametrize(
    "send",
    [
        _post_query,
        _post_form,
        _post_form_charset,
        _post_split,
        _put_form,
        _put_query,
        _get_query,
    ],
    ids=[
        "post-query",
        "post-form",
        "post-form-charset",
        "post-query-and-form",
        "put-form",
        "put-query",
        "get-query",
    ],
)


async def _assert_ok(response: ClientResponse) -> None:
    assert response.status == HTTPStatus.OK
    assert await response.text() == "ok"


@TRANSPORTS
async def test_delivery_report(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    send: Send,
) -> None:
    """Each recipient line of a delivery report fires one event, however it comes."""
    content = ",".join(
        [
            report_line("0912345678", "a1", "DELIVRD"),
            report_line("0922333444", "a2", "UNDELIV"),
            report_line("85291234567", "a3", "EXPIRED"),
        ]
    )
    await _assert_ok(await send(client, {"sms_id": SMS_ID, "content": content}))
    await hass.async_block_till_done()

    assert _data(events.reports) == [
        report_event("0912345678", "a1", "DELIVRD"),
        report_event("0922333444", "a2", "UNDELIV"),
        # Hong Kong's numbers are national in the provider's format.
        report_event("91234567", "a3", "EXPIRED"),
    ]
    assert events.replies == []


@TRANSPORTS
async def test_reply(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    send: Send,
) -> None:
    """A reply fires one event with its text decoded and the two-way code split off."""
    content = reply_line("0912345678", "b1", "03 Yes, turn it on")
    await _assert_ok(await send(client, {"content": content}))
    await hass.async_block_till_done()

    assert _data(events.replies) == [
        reply_event(
            "0912345678",
            "b1",
            "03 Yes, turn it on",
            "03",
            "Yes, turn it on",
        )
    ]
    assert events.reports == []


@pytest.mark.parametrize(
    "case",
    [
        ("03雙向簡訊回傳", "03", "雙向簡訊回傳"),
        ("03 1+1=2", "03", "1+1=2"),
        ("03a,b,,c", "03", "a,b,,c"),
        ("03 100% sure & done?", "03", "100% sure & done?"),
        ("  03  spaced out  ", "03", "spaced out"),
        ("Yes please", None, "Yes please"),
        ("3 is not the code", None, "3 is not the code"),
        ("03", "03", ""),
        ("030 the code then a zero", "03", "0 the code then a zero"),
    ],
    ids=[
        "chinese",
        "plus",
        "commas",
        "percent-ampersand",
        "spaces",
        "no-code",
        "partial-code",
        "code-only",
        "code-then-digit",
    ],
)
@pytest.mark.parametrize("send", [_post_query, _post_form], ids=["query", "form"])
async def test_reply_text(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    send: Send,
    case: tuple[str, str | None, str],
) -> None:
    """Reply texts survive the provider's double encoding, whatever they hold."""
    raw_text, code, text = case
    await _assert_ok(
        await send(client, {"content": reply_line("0912345678", "b1", raw_text)})
    )
    await hass.async_block_till_done()

    assert _data(events.replies) == [
        reply_event("0912345678", "b1", raw_text, code, text)
    ]


async def test_reply_without_two_way_code(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    events: Captured,
) -> None:
    """Without a configured code, code is None and the text is kept whole."""
    hass.config_entries.async_update_entry(
        init_integration, options={"two_way_code": "", "low_credit_threshold": 50}
    )
    await hass.async_block_till_done()

    await _assert_ok(
        await _post_query(client, {"content": reply_line("0912345678", "b1", "03 ok")})
    )
    await hass.async_block_till_done()

    assert _data(events.replies) == [
        reply_event("0912345678", "b1", "03 ok", None, "03 ok")
    ]


async def test_several_replies(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
) -> None:
    """Several reply lines joined by commas fire one event each, in order."""
    content = ",".join(
        [
            reply_line("0912345678", "c1", "03第一, 1+1"),
            reply_line("0922333444", "c2", "Second, no code"),
            reply_line("0933444555", "c3", "03"),
        ]
    )
    await _assert_ok(await _post_form(client, {"content": content}))
    await hass.async_block_till_done()

    assert _data(events.replies) == [
        reply_event("0912345678", "c1", "03第一, 1+1", "03", "第一, 1+1"),
        reply_event("0922333444", "c2", "Second, no code", None, "Second, no code"),
        reply_event("0933444555", "c3", "03", "03", ""),
    ]


@pytest.mark.parametrize(
    ("params", "entity_id"),
    [
        (
            {
                "sms_id": SMS_ID,
                "content": ",".join(
                    [
                        report_line("0912345678", "a1", "DELIVRD"),
                        report_line("0922333444", "a2", "UNDELIV"),
                    ]
                ),
            },
            "event.sms_get_hauser_delivery_report",
        ),
        (
            {
                "content": ",".join(
                    [
                        reply_line("0912345678", "c1", "03 yes"),
                        reply_line("0922333444", "c2", "no"),
                    ]
                )
            },
            "event.sms_get_hauser_reply",
        ),
    ],
    ids=["reports", "replies"],
)
async def test_one_callback_one_context(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    params: dict[str, str],
    entity_id: str,
) -> None:
    """The events of one callback and the entity's state share one context; the next
    callback has its own."""
    await _assert_ok(await _post_query(client, params))
    await hass.async_block_till_done()
    fired = events.reports or events.replies
    assert len(fired) == 2
    context = fired[0].context
    assert fired[1].context is context
    assert context.user_id is None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.context.id == context.id

    again = {
        key: value.replace("0912345678", "0933444555") for key, value in params.items()
    }
    await _assert_ok(await _post_query(client, again))
    await hass.async_block_till_done()
    assert len(fired) == 3
    assert fired[2].context.id != context.id
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.context.id == fired[2].context.id


async def test_reply_with_unencoded_comma(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
) -> None:
    """A provider that leaves a comma of the text unencoded still splits right."""
    content = (
        f"0912345678|d1|{TIME}|03Hello, world,"
        f"0922333444|d2|{TIME}|{quote('03再見', safe='')}"
    )
    await _assert_ok(await _post_form(client, {"content": content}))
    await hass.async_block_till_done()

    assert _data(events.replies) == [
        reply_event("0912345678", "d1", "03Hello, world", "03", "Hello, world"),
        reply_event("0922333444", "d2", "03再見", "03", "再見"),
    ]


async def test_callbacks_from_the_provider(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    events: Captured,
) -> None:
    """The simulated provider's own callbacks, after a real send, reach the events."""
    url = str(client.make_url(URL))
    account = simulator.accounts[USERNAME]
    account.delivery_url = url
    account.twoway_url = url
    simulator.undeliverable.add("0922333444")

    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"message": "Reply 03 yes", "recipients": ["0912345678", "0922333444"]},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    message = simulator.messages[-1]
    assert response["messages"][0]["message_id"] == message.message_id
    await simulator.wait_idle()
    assert await simulator.send_reply("0912345678", "03好, 謝謝 1+1") == HTTPStatus.OK
    await hass.async_block_till_done()

    assert [status for _, _, status in simulator.callbacks_sent] == [200, 200]
    assert [
        (e.data["message_id"], e.data["phone"], e.data["status"], e.data["delivered"])
        for e in events.reports
    ] == [
        (message.message_id, "0912345678", "DELIVRD", True),
        (message.message_id, "0922333444", "UNDELIV", False),
    ]
    assert [e.data["recipient_message_id"] for e in events.reports] == list(
        message.recipient_ids.values()
    )
    assert len(events.replies) == 1
    assert events.replies[0].data["phone"] == "0912345678"
    assert events.replies[0].data["raw_text"] == "03好, 謝謝 1+1"
    assert events.replies[0].data["code"] == "03"
    assert events.replies[0].data["text"] == "好, 謝謝 1+1"
    assert events.replies[0].data["received_at"].endswith("+08:00")
    # The password never travels in a callback.
    assert all(PASSWORD not in str(params) for _, params, _ in simulator.callbacks_sent)


BAD_CALLBACKS: list[Any] = [
    pytest.param((b"", FORM, ""), id="empty"),
    pytest.param((b"", {}, ""), id="no-content-type"),
    pytest.param((b"\x00\x01garbage\xff", FORM, ""), id="garbage"),
    pytest.param((b"garbage", {"Content-Type": "text/plain"}, ""), id="plain-text"),
    pytest.param((b"sms_id=59c4e123", FORM, ""), id="report-without-content"),
    pytest.param((b"hello=world", FORM, ""), id="no-content"),
    pytest.param((b"content=", FORM, ""), id="empty-content"),
    pytest.param(
        (urlencode({"content": "not a line,also|not|one"}).encode(), FORM, ""),
        id="only-malformed-reply-lines",
    ),
    pytest.param(
        (
            urlencode(
                {
                    "sms_id": SMS_ID,
                    "content": "0912345678|a1|2025-13-45 99:00:00|DELIVRD,x|y",
                }
            ).encode(),
            FORM,
            "",
        ),
        id="only-malformed-report-lines",
    ),
    pytest.param(
        (
            urlencode(
                {"sms_id": "", "content": report_line("0912345678", "a", "DELIVRD")}
            ).encode(),
            FORM,
            "",
        ),
        id="empty-sms-id",
    ),
    pytest.param(
        (
            b'{"content": "0912345678|a1|2025-06-01 21:08:07|hi"}',
            {"Content-Type": "application/json"},
            "",
        ),
        id="json",
    ),
    pytest.param((b"", FORM, "content=%FF%FE"), id="non-utf8-query"),
    pytest.param((b"content=%FF%FE%00", FORM, ""), id="non-utf8-escaped-body"),
]


@pytest.mark.parametrize("bad", BAD_CALLBACKS)
async def test_nothing_usable(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    caplog: pytest.LogCaptureFixture,
    bad: tuple[bytes, dict[str, str], str],
) -> None:
    """A callback with nothing usable gets 400 and fires nothing; the next one works."""
    body, headers, query = bad
    url = f"{URL}?{query}" if query else URL
    response = await client.post(url, data=body, headers=headers)
    assert response.status == HTTPStatus.BAD_REQUEST
    await hass.async_block_till_done()
    assert events.reports == []
    assert events.replies == []
    assert "Error processing webhook" not in caplog.text

    await _assert_ok(
        await _post_form(
            client,
            {"sms_id": SMS_ID, "content": report_line("0912345678", "a1", "DELIVRD")},
        )
    )
    await hass.async_block_till_done()
    assert _data(events.reports) == [report_event("0912345678", "a1", "DELIVRD")]


async def test_malformed_report_lines_beside_good_ones(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Good lines of a delivery report fire; bad ones are logged (once a minute at
    warning level, the rest at debug) and skipped."""
    content = ",".join(
        [
            report_line("0912345678", "a1", "DELIVRD"),
            "0912345678|a2|2025-06-01|DELIVRD",
            "not-a-phone|a3|2025-06-01 21:08:07|DELIVRD",
            "0912345678||2025-06-01 21:08:07|DELIVRD",
            "0912345678|a5|2025-06-01 21:08:07|",
            "0912345678|a6|2025-02-30 21:08:07|DELIVRD",
            "just some text",
            report_line("0922333444", "a7", "UNDELIV"),
        ]
    )
    with caplog.at_level(logging.DEBUG, logger="custom_components.sms_get"):
        await _assert_ok(
            await _post_query(client, {"sms_id": SMS_ID, "content": content})
        )
        await hass.async_block_till_done()

    assert _data(events.reports) == [
        report_event("0912345678", "a1", "DELIVRD"),
        report_event("0922333444", "a7", "UNDELIV"),
    ]
    records = [
        record
        for record in caplog.records
        if "malformed delivery report line" in record.getMessage()
    ]
    assert [record.levelno for record in records] == [logging.WARNING] + [
        logging.DEBUG
    ] * 5
    skipped = [record.getMessage() for record in records]
    assert "time is not YYYY-MM-DD HH:MM:SS" in skipped[0]
    assert "invalid phone number" in skipped[1]
    assert "missing message identifier" in skipped[2]
    assert "missing status" in skipped[3]
    assert "not a valid date" in skipped[4]
    assert "expected phone|id|time|value" in skipped[5]


async def test_malformed_reply_lines_beside_good_ones(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Good reply lines fire; the garbage around them is logged and skipped."""
    content = ",".join(
        [
            "leading garbage",
            reply_line("0912345678", "b1", "03 first"),
            f"not-a-phone|b2|{TIME}|03 bad phone",
            "0912345678|b3|2025-02-30 21:08:07|03 no such day",
            reply_line("0922333444", "b4", "03 second"),
        ]
    )
    with caplog.at_level(logging.DEBUG, logger="custom_components.sms_get"):
        await _assert_ok(await _post_form(client, {"content": content}))
        await hass.async_block_till_done()

    assert _data(events.replies) == [
        reply_event("0912345678", "b1", "03 first", "03", "first"),
        reply_event("0922333444", "b4", "03 second", "03", "second"),
    ]
    records = [
        record
        for record in caplog.records
        if "malformed reply line" in record.getMessage()
    ]
    assert [record.levelno for record in records] == [
        logging.WARNING,
        logging.DEBUG,
        logging.DEBUG,
    ]
    skipped = [record.getMessage() for record in records]
    assert "leading garbage" in skipped[0]
    assert "invalid phone number" in skipped[1]
    assert "not a valid date" in skipped[2]


async def test_non_utf8_bytes(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bytes that are not UTF-8, raw or escaped, become U+FFFD instead of an error."""
    raw_line = f"0912345678|e1|{TIME}|03 raw ".encode() + b"\xff\xfe"
    escaped_line = f"0922333444|e2|{TIME}|03 escaped %FF"
    query_line = f"0933444555|e3|{TIME}|03 query " + quote_from_bytes(b"\xe4\xb8")
    body = b"content=" + raw_line + b"%2C" + quote(escaped_line, safe="").encode()
    response = await client.post(
        f"{URL}?other={quote(query_line, safe='')}", data=body, headers=FORM
    )
    await _assert_ok(response)
    response = await client.get(URL, params={"content": query_line})
    await _assert_ok(response)
    await hass.async_block_till_done()

    assert [(e.data["phone"], e.data["text"]) for e in events.replies] == [
        ("0912345678", "raw \ufffd\ufffd"),
        ("0922333444", "escaped \ufffd"),
        ("0933444555", "query \ufffd"),
    ]
    assert "Error processing webhook" not in caplog.text


async def test_same_line_twice_fires_once(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
) -> None:
    """A callback delivered again is answered ok but fires nothing new."""
    report = {
        "sms_id": SMS_ID,
        "content": ",".join(
            [
                report_line("0912345678", "a1", "DELIVRD"),
                report_line("0922333444", "a2", "UNDELIV"),
            ]
        ),
    }
    reply = {"content": reply_line("0912345678", "b1", "03 yes")}
    for _ in range(2):
        await _assert_ok(await _post_form(client, report))
        await _assert_ok(await _post_query(client, reply))
    # The same line again, among a new one, in another transport.
    report_again = {
        "sms_id": SMS_ID,
        "content": ",".join(
            [
                report_line("0912345678", "a1", "DELIVRD"),
                report_line("0912345678", "a1", "DELIVRD"),
                report_line("0933444555", "a3", "DELIVRD"),
            ]
        ),
    }
    await _assert_ok(await _get_query(client, report_again))
    # A new status for the same recipient is news.
    await _assert_ok(
        await _post_form(
            client,
            {"sms_id": SMS_ID, "content": report_line("0922333444", "a2", "DELIVRD")},
        )
    )
    await hass.async_block_till_done()

    assert [(e.data["phone"], e.data["status"]) for e in events.reports] == [
        ("0912345678", "DELIVRD"),
        ("0922333444", "UNDELIV"),
        ("0933444555", "DELIVRD"),
        ("0922333444", "DELIVRD"),
    ]
    assert len(events.replies) == 1


async def test_duplicate_memory_is_bounded(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
) -> None:
    """The memory of lines taken keeps a fixed maximum; the oldest are forgotten."""
    maxlen = RecentLines().maxlen
    count = maxlen + 100
    lines = [report_line(f"09{n:08d}", f"r{n}", "DELIVRD") for n in range(count)]
    for start in range(0, count, 1000):
        await _assert_ok(
            await _post_form(
                client,
                {"sms_id": SMS_ID, "content": ",".join(lines[start : start + 1000])},
            )
        )
    await hass.async_block_till_done()
    assert len(events.reports) == count
    recent = hass.data[DATA_WEBHOOK].recent
    assert len(recent) == maxlen

    # The newest lines are still known, the oldest were forgotten.
    await _assert_ok(
        await _post_form(
            client, {"sms_id": SMS_ID, "content": ",".join([lines[-1], lines[0]])}
        )
    )
    await hass.async_block_till_done()
    assert len(events.reports) == count + 1
    assert events.reports[-1].data["phone"] == "0900000000"
    assert len(recent) == maxlen


async def _assert_too_large(response: ClientResponse) -> None:
    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    response.release()


async def test_body_over_limit_with_length(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
) -> None:
    """A body announced over 1 MB is refused before a byte of it is read."""
    sent = 0
    never = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b"content="
        sent += 8
        # Held back: a handler waiting for the body would wait forever.
        await never.wait()

    headers = {**FORM, "Content-Length": str(MAX_BYTES + 1)}
    async with asyncio.timeout(5):
        response = await client.post(URL, data=body(), headers=headers)
    await _assert_too_large(response)

    # A plain body just over the limit.
    response = await client.post(URL, data=b"c" * (MAX_BYTES + 1), headers=FORM)
    await _assert_too_large(response)
    await hass.async_block_till_done()
    assert events.replies == []


async def test_chunked_body_over_limit(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
) -> None:
    """A chunked body is read only up to the limit, then refused."""
    chunk = b"x" * 65536
    never = asyncio.Event()
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b"content=" + quote(reply_line("0912345678", "f1", "03 hi")).encode()
        while sent <= 2 * MAX_BYTES:
            sent += len(chunk)
            yield chunk
        # The rest never comes: a handler reading it all would hang.
        await never.wait()

    async with asyncio.timeout(5):
        response = await client.post(URL, data=body(), headers=FORM)
    await _assert_too_large(response)
    await hass.async_block_till_done()
    assert events.replies == []


async def test_body_at_limit_is_taken(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
) -> None:
    """A body of exactly 1 MB, sent in chunks, is read whole."""
    lines = [reply_line(f"09{n:08d}", f"g{n}", f"03 reply {n}") for n in range(1000)]
    body = urlencode({"content": ",".join(lines)}).encode()
    body += b"&pad=" + b"p" * (MAX_BYTES - len(body) - 5)
    assert len(body) == MAX_BYTES

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 50_000):
            yield body[start : start + 50_000]
            await asyncio.sleep(0)

    await _assert_ok(await client.post(URL, data=chunks(), headers=FORM))
    await hass.async_block_till_done()
    assert len(events.replies) == 1000
    assert events.replies[-1].data["text"] == "reply 999"


async def test_other_methods_refused(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
) -> None:
    """Only GET, POST and PUT reach the handler."""
    params = {"content": reply_line("0912345678", "b1", "03 yes")}
    response = await client.delete(URL, params=params)
    assert response.status == HTTPStatus.METHOD_NOT_ALLOWED
    response = await client.patch(URL, params=params)
    assert response.status == HTTPStatus.METHOD_NOT_ALLOWED
    await hass.async_block_till_done()
    assert events.replies == []


async def test_webhook_gone_after_unload_and_back_after_reload(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    events: Captured,
) -> None:
    """Unloading removes the webhook; loading again brings back the same URL."""
    params = {"content": reply_line("0912345678", "b1", "03 yes")}
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    # Home Assistant answers an unknown webhook with an empty 200, to hide which exist.
    response = await _post_form(client, params)
    assert response.status == HTTPStatus.OK
    assert await response.text() == ""
    await hass.async_block_till_done()
    assert events.replies == []

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.data[CONF_WEBHOOK_ID] == WEBHOOK_ID
    await _assert_ok(await _post_form(client, params))
    await hass.async_block_till_done()
    assert len(events.replies) == 1

    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    await _assert_ok(
        await _post_form(
            client, {"content": reply_line("0912345678", "b2", "03 again")}
        )
    )
    await hass.async_block_till_done()
    assert [e.data["text"] for e in events.replies] == ["yes", "again"]


async def test_two_accounts_keep_their_callbacks_apart(
    hass: HomeAssistant,
    client: Client,
    simulator: Simulator,
    entry_data: dict[str, Any],
    events: Captured,
) -> None:
    """Each account's webhook fires events carrying its own entry ID and code."""
    simulator.accounts["second"] = simulator.accounts[USERNAME].__class__(
        password=PASSWORD, points=10
    )
    other_id = "f" * 64
    other = MockConfigEntry(
        domain=DOMAIN,
        title="second",
        unique_id="second",
        data={**entry_data, "username": "second", CONF_WEBHOOK_ID: other_id},
        options={"two_way_code": "77", "low_credit_threshold": 5},
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()

    content = {"content": reply_line("0912345678", "b1", "77 hello")}
    await _assert_ok(await client.post(f"/api/webhook/{other_id}", data=content))
    await _assert_ok(await _post_form(client, content))
    await hass.async_block_till_done()

    assert [(e.data["config_entry_id"], e.data["code"]) for e in events.replies] == [
        (other.entry_id, "77"),
        (ENTRY_ID, None),
    ]


async def test_handler_without_loaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, events: Captured
) -> None:
    """A call for a webhook no loaded entry owns (mid-unload) is answered 404."""
    from homeassistant.util.aiohttp import MockRequest

    from custom_components.sms_get.webhook import async_handle_webhook

    request = MockRequest(
        content=urlencode({"content": reply_line("0912345678", "b1", "03")}).encode(),
        mock_source="test",
        method="POST",
        headers=FORM,
    )
    response = await async_handle_webhook(hass, "f" * 64, request)  # type: ignore[arg-type]
    assert response.status == HTTPStatus.NOT_FOUND
    await hass.async_block_till_done()
    assert events.replies == []


# --- hostile input ----------------------------------------------------------------


async def test_more_than_a_thousand_lines_refused(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A callback of more than 1,000 lines is answered 413 and fires nothing."""
    reports = [report_line(f"09{n:08d}", f"a{n}", "DELIVRD") for n in range(1001)]
    replies = [reply_line(f"09{n:08d}", f"b{n}", "03 yes") for n in range(1001)]
    for params in (
        {"sms_id": SMS_ID, "content": ",".join(reports)},
        {"content": ",".join(replies)},
    ):
        response = await _post_form(client, params)
        assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    await hass.async_block_till_done()
    assert events.reports == []
    assert events.replies == []
    assert "more than 1000 lines was refused" in caplog.text

    # 1,000 lines are taken, blank ones beside them do not count.
    await _assert_ok(
        await _post_form(client, {"content": ",".join(replies[:1000]) + ",,"})
    )
    await hass.async_block_till_done()
    assert len(events.replies) == 1000


async def test_too_many_form_fields_refused(
    hass: HomeAssistant, client: Client, events: Captured
) -> None:
    """SMS-Get sends a handful of parameters: a body of thousands is refused."""
    body = urlencode({"content": reply_line("0912345678", "b1", "03 yes")})
    response = await client.post(URL, data=body + "&x=1" * 5000, headers=FORM)
    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    await hass.async_block_till_done()
    assert events.replies == []


async def test_long_line_is_malformed(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A line over 16,384 characters is skipped; the good lines beside it fire."""
    long_line = reply_line("0912345678", "b1", "03 " + "長" * 2000)
    assert len(long_line) > 16384
    content = ",".join([long_line, reply_line("0922333444", "b2", "03 ok")])
    await _assert_ok(await _post_form(client, {"content": content}))
    await hass.async_block_till_done()
    assert [e.data["phone"] for e in events.replies] == ["0922333444"]
    assert "longer than 16384 characters" in caplog.text


async def test_hostile_lines_cost_little(
    hass: HomeAssistant, client: Client, events: Captured
) -> None:
    """The callbacks that once froze Home Assistant are refused as nothing usable."""
    for params in (
        {"content": "0912345678|" + " " * 2500 + "x"},
        {"sms_id": SMS_ID, "content": f"0912345678|a1|{TIME}|D" + " " * 30000 + "X"},
        {"content": ",".join(["0912345678|" + " " * 60 + "x"] * 1000)},
    ):
        response = await _post_form(client, params)
        assert response.status == HTTPStatus.BAD_REQUEST
    await hass.async_block_till_done()
    assert events.reports == []
    assert events.replies == []


async def test_control_characters_removed(
    hass: HomeAssistant, client: Client, events: Captured
) -> None:
    """NUL, CR and other control characters never reach event data."""
    await _assert_ok(
        await _post_form(
            client,
            {"content": reply_line("0912345678", "b\x001", "03 a\x00b\r\nc\td\x1b")},
        )
    )
    await _assert_ok(
        await _post_form(
            client,
            {
                "sms_id": f"{SMS_ID}\x00\r",
                "content": report_line("0912345678", "a\x7f1", "DELIV\x00RD\r\n"),
            },
        )
    )
    await hass.async_block_till_done()
    assert _data(events.replies) == [
        reply_event("0912345678", "b1", "03 ab\nc\td", "03", "ab\nc\td")
    ]
    assert _data(events.reports) == [report_event("0912345678", "a1", "DELIVRD")]


@pytest.mark.parametrize(
    "content_type",
    [
        "APPLICATION/X-WWW-FORM-URLENCODED",
        "Application/x-www-form-urlencoded; Charset=UTF-8",
        "TEXT/PLAIN",
        " text/plain ;charset=utf-8",
    ],
)
async def test_content_type_read_case_insensitively(
    hass: HomeAssistant, client: Client, events: Captured, content_type: str
) -> None:
    body = urlencode({"content": reply_line("0912345678", "b1", "03 yes")})
    response = await client.post(
        URL, data=body.encode(), headers={"Content-Type": content_type}
    )
    await _assert_ok(response)
    await hass.async_block_till_done()
    assert [e.data["text"] for e in events.replies] == ["yes"]


async def test_phones_in_the_providers_format(
    hass: HomeAssistant, client: Client, events: Captured
) -> None:
    """A valid number comes in the provider's format, any other as received."""
    content = ",".join(
        [
            reply_line("+886912345678", "b1", "03 a"),
            reply_line("00886922333444", "b2", "03 b"),
            reply_line("+4420712345", "b3", "03 c"),
        ]
    )
    await _assert_ok(await _post_form(client, {"content": content}))
    # Spaces inside a number are not the provider's: the line is malformed.
    response = await _post_form(
        client,
        {"sms_id": SMS_ID, "content": report_line("+886 912345678", "a1", "DELIVRD")},
    )
    assert response.status == HTTPStatus.BAD_REQUEST
    await hass.async_block_till_done()
    assert [e.data["phone"] for e in events.replies] == [
        "0912345678",
        "0922333444",
        "+4420712345",
    ]
    assert events.reports == []


async def test_duplicate_memory_survives_a_reload(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    events: Captured,
) -> None:
    """A line taken before a reload of the entry does not fire again after it."""
    reply = {"content": reply_line("0912345678", "b1", "03 yes")}
    report = {"sms_id": SMS_ID, "content": report_line("0912345678", "a1", "DELIVRD")}
    await _assert_ok(await _post_form(client, reply))
    await _assert_ok(await _post_form(client, report))
    await hass.async_block_till_done()

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    await _assert_ok(await _post_form(client, reply))
    await _assert_ok(await _post_query(client, report))
    await hass.async_block_till_done()
    assert len(events.replies) == 1
    assert len(events.reports) == 1


@pytest.mark.parametrize(
    "moment",
    [
        ("2025-06-01 13:08:07+00:00", False),
        ("2025-06-01 13:23:07+00:00", False),
        ("2025-06-01 13:23:08+00:00", True),
        ("2025-06-01 13:03:07+00:00", False),
        ("2025-06-01 13:03:06+00:00", True),
        ("2026-12-01 00:00:00+00:00", True),
    ],
)
async def test_stale_reply_fires_but_is_marked(
    hass: HomeAssistant,
    client: Client,
    events: Captured,
    *,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    moment: tuple[str, bool],
) -> None:
    """A reply more than 15 minutes old or 5 ahead fires its events, marked stale."""
    now, stale = moment
    freezer.move_to(now)
    with caplog.at_level(logging.DEBUG, logger="custom_components.sms_get"):
        await _assert_ok(
            await _post_form(
                client, {"content": reply_line("0912345678", "b1", "03 yes")}
            )
        )
        await hass.async_block_till_done()
    assert _data(events.replies) == [
        reply_event("0912345678", "b1", "03 yes", "03", "yes")
    ]
    assert ("too far from now to act on" in caplog.text) is stale


async def test_real_callbacks(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    events: Captured,
) -> None:
    """Callbacks as SMS-Get really sends them, unlike its document's examples."""
    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, "two_way_code": "24"}
    )
    await hass.async_block_till_done()
    await _assert_ok(
        await _post_query(
            client,
            {
                "sms_id": "1783822",
                "content": report_line("0912345678", "$0040B0FA7", "DELIVRD"),
            },
        )
    )
    await _assert_ok(
        await _post_query(
            client, {"content": reply_line("0912345678", "1748783287123", "24測試1529")}
        )
    )
    await hass.async_block_till_done()
    assert [
        (e.data["message_id"], e.data["recipient_message_id"]) for e in events.reports
    ] == [("1783822", "$0040B0FA7")]
    assert [
        (e.data["recipient_message_id"], e.data["code"], e.data["text"])
        for e in events.replies
    ] == [("1748783287123", "24", "測試1529")]


async def test_webhook_id_never_logged(
    hass: HomeAssistant, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """Refused, malformed and good callbacks: no log line names the webhook ID.

    Home Assistant's webhook component logs the ID of every request it hands over;
    the integration redacts its own IDs there too.
    """
    with caplog.at_level(logging.DEBUG):
        for params in (
            {},
            {"content": "garbage"},
            {"sms_id": SMS_ID, "content": "0912345678|x|bad|DELIVRD"},
            {"content": ",".join(["x|y"] * 1001)},
            {"content": reply_line("0912345678", "b1", "03 yes")},
        ):
            await _post_form(client, params)
        await hass.async_block_till_done()
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    assert ours
    assert "Handling webhook POST payload for **REDACTED**" in caplog.text
    assert WEBHOOK_ID not in caplog.text
