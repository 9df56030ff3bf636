"""The SMS-Get client against the simulator, over real HTTP on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
import logging
import time
import traceback
from typing import Any
from urllib.parse import quote, quote_plus

import aiohttp
from aiohttp import web
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.sms_get.provider import (
    DEFAULT_BASE_URL,
    MAX_RECIPIENTS,
    Credit,
    SendResult,
    SmsGetApiError,
    SmsGetAuthenticationError,
    SmsGetClient,
    SmsGetConnectionError,
    SmsGetError,
    SmsGetInsufficientCreditError,
    SmsGetIpNotAllowedError,
    SmsGetMessageTooLongError,
    SmsGetNoRecipientsError,
    SmsGetOutcomeUnknownError,
    SmsGetParameterError,
    SmsGetResponseError,
    SmsGetScheduleParameterError,
    SmsGetSchedulePassedError,
    SmsGetTooManyRecipientsError,
    SmsGetTwoWayNotEnabledError,
)
from simulator import TAIPEI, Fault, RecordedRequest, Simulator

from .conftest import PASSWORD, USERNAME

TW = "0912345678"
TW2 = "0987654321"
CN = "13512345678"
HK = "51234567"

type Call = Callable[[SmsGetClient], Awaitable[object]]


async def _send(client: SmsGetClient) -> SendResult:
    return await client.send("hello", [TW])


async def _credit(client: SmsGetClient) -> Credit:
    return await client.query_credit()


# Both calls, for behaviour they share; ids name them in the test ids.
CALLS = [pytest.param(_send, id="send"), pytest.param(_credit, id="credit")]

SUCCESS_BODY = {"stats": True, "error_code": "000"}


def assert_password_hidden(err: BaseException, client: SmsGetClient) -> None:
    """No text that may reach a log or a user holds the password, in any form."""
    texts = [repr(client), str(client), "".join(traceback.format_exception(err))]
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    forms = {PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD)}
    for text in texts:
        for form in forms:
            assert form not in text


def only_request(sim: Simulator) -> RecordedRequest:
    [request] = sim.requests
    return request


# --- success ------------------------------------------------------------------------


@pytest.mark.parametrize("points", [0, 7, 1000])
async def test_query_credit(sim: Simulator, client: SmsGetClient, points: int) -> None:
    sim.accounts[USERNAME].points = points
    assert await client.query_credit() == Credit(points)
    request = only_request(sim)
    assert request.endpoint == "api_query_credit.php"
    assert request.error_code == "000"


@pytest.mark.parametrize(
    ("two_way", "phones", "expected"),
    [
        pytest.param(False, [TW], ("api_send.php", 1), id="one-way-taiwan"),
        pytest.param(False, [TW, CN, HK], ("api_send.php", 7), id="one-way-mixed"),
        pytest.param(True, [TW], ("api_send_twoway.php", 1), id="two-way"),
        pytest.param(True, [TW, TW2], ("api_send_twoway.php", 2), id="two-way-two"),
    ],
)
async def test_send(
    sim: Simulator,
    client: SmsGetClient,
    two_way: bool,
    phones: list[str],
    expected: tuple[str, int],
) -> None:
    endpoint, points = expected
    result = await client.send("Hello, 世界 & 100% +1", phones, two_way=two_way)
    [message] = sim.messages
    assert result == SendResult(message.message_id, points, 1000 - points)
    assert message.two_way is two_way
    assert message.phones == phones
    assert message.text == "Hello, 世界 & 100% +1"
    request = only_request(sim)
    assert request.endpoint == endpoint
    assert request.form == {
        "username": USERNAME,
        "password": PASSWORD,
        "method": "1",
        "sms_msg": "Hello, 世界 & 100% +1",
        "phone": ",".join(phones),
    }


async def test_send_to_the_most_recipients(
    sim: Simulator, client: SmsGetClient
) -> None:
    phones = [f"09{index:08d}" for index in range(MAX_RECIPIENTS)]
    result = await client.send("hi", phones)
    assert result.points_used == MAX_RECIPIENTS
    assert sim.messages[0].phones == phones


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        pytest.param(
            datetime(2026, 12, 31, 20, 30, tzinfo=UTC),
            ("2027/01/01", "04", "30"),
            id="utc-across-new-year",
        ),
        pytest.param(
            datetime(2027, 1, 1, 4, 30, tzinfo=TAIPEI),
            ("2027/01/01", "04", "30"),
            id="already-gmt+8",
        ),
        pytest.param(
            datetime(2026, 7, 1, 9, 5, 59, tzinfo=timezone(timedelta(hours=-7))),
            ("2026/07/02", "00", "05"),
            id="west-of-utc-seconds-dropped",
        ),
        pytest.param(
            datetime(2026, 6, 1, 0, 0, tzinfo=timezone(timedelta(hours=9))),
            ("2026/05/31", "23", "00"),
            id="east-of-gmt+8-day-back",
        ),
        pytest.param(
            datetime(2028, 2, 28, 16, 59, tzinfo=UTC),
            ("2028/02/29", "00", "59"),
            id="leap-day",
        ),
    ],
)
async def test_scheduled_send(
    sim: Simulator,
    client: SmsGetClient,
    schedule: datetime,
    expected: tuple[str, str, str],
) -> None:
    """send_date, hour and min are the provider's GMT+8 wall clock."""
    sim.clock = lambda: datetime(2026, 1, 1, tzinfo=TAIPEI)
    await client.send("later", [TW], schedule=schedule)
    form = only_request(sim).form
    assert form["method"] == "2"
    assert (form["send_date"], form["hour"], form["min"]) == expected
    [message] = sim.messages
    assert message.scheduled_for == schedule.replace(second=0)


async def test_naive_schedule_is_refused_before_sending(
    sim: Simulator, client: SmsGetClient
) -> None:
    with pytest.raises(ValueError, match="timezone-aware") as caught:
        await client.send("later", [TW], schedule=datetime(2027, 1, 1, 4, 30))
    assert sim.requests == []
    assert_password_hidden(caught.value, client)


@pytest.mark.parametrize("count", [0, MAX_RECIPIENTS + 1])
async def test_recipient_count_is_checked_before_sending(
    sim: Simulator, client: SmsGetClient, count: int
) -> None:
    with pytest.raises(ValueError, match="1 to 250") as caught:
        await client.send("hi", [TW] * count)
    assert sim.requests == []
    assert_password_hidden(caught.value, client)


async def test_a_lone_string_is_not_a_list_of_numbers(
    sim: Simulator, client: SmsGetClient
) -> None:
    with pytest.raises(TypeError, match="list") as caught:
        await client.send("hi", TW)
    assert sim.requests == []
    assert_password_hidden(caught.value, client)


# --- the provider's answers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        ("001", SmsGetParameterError),
        ("002", SmsGetScheduleParameterError),
        ("003", SmsGetSchedulePassedError),
        ("004", SmsGetMessageTooLongError),
        ("005", SmsGetAuthenticationError),
        ("006", SmsGetIpNotAllowedError),
        ("007", SmsGetNoRecipientsError),
        ("008", SmsGetTooManyRecipientsError),
        ("009", SmsGetInsufficientCreditError),
        ("010", SmsGetTwoWayNotEnabledError),
    ],
)
@pytest.mark.parametrize("call", CALLS)
async def test_error_codes(
    sim: Simulator,
    client: SmsGetClient,
    call: Call,
    code: str,
    error_type: type[SmsGetApiError],
) -> None:
    sim.faults.append(Fault.code(code))
    with pytest.raises(SmsGetApiError) as caught:
        await call(client)
    assert type(caught.value) is error_type
    assert caught.value.code == code
    assert code in str(caught.value)
    # The provider's own words are kept for the log.
    assert caught.value.provider_message
    assert caught.value.provider_message in str(caught.value)
    assert_password_hidden(caught.value, client)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        pytest.param({"stats": False, "error_code": "011"}, "011", id="unknown-code"),
        pytest.param({"stats": "False", "error_code": 5}, "005", id="integer-code"),
        pytest.param(
            {"stats": "false", "error_code": "009", "error_msg": None}, "009", id="null"
        ),
    ],
)
async def test_other_refusals_keep_their_code(
    sim: Simulator, client: SmsGetClient, payload: dict[str, Any], code: str
) -> None:
    sim.faults.append(Fault.json(payload))
    with pytest.raises(SmsGetApiError) as caught:
        await client.query_credit()
    assert caught.value.code == code
    assert str(caught.value) == code
    assert_password_hidden(caught.value, client)


async def test_wrong_password(
    sim: Simulator, session: aiohttp.ClientSession, base_url: str
) -> None:
    wrong = SmsGetClient(session, USERNAME, PASSWORD + "x", base_url=base_url)
    with pytest.raises(SmsGetAuthenticationError) as caught:
        await wrong.query_credit()
    assert caught.value.code == "005"
    assert PASSWORD not in repr(wrong)
    assert_password_hidden(caught.value, wrong)


async def test_ip_not_allowed(sim: Simulator, client: SmsGetClient) -> None:
    sim.accounts[USERNAME].allowed_ips = {"192.0.2.1"}
    with pytest.raises(SmsGetIpNotAllowedError) as caught:
        await client.send("hi", [TW])
    assert caught.value.code == "006"
    assert sim.messages == []
    assert_password_hidden(caught.value, client)


async def test_not_enough_points(sim: Simulator, client: SmsGetClient) -> None:
    sim.accounts[USERNAME].points = 3
    with pytest.raises(SmsGetInsufficientCreditError) as caught:
        await client.send("hi", [CN])
    assert sim.accounts[USERNAME].points == 3
    assert_password_hidden(caught.value, client)


async def test_two_way_not_enabled(sim: Simulator, client: SmsGetClient) -> None:
    sim.accounts[USERNAME].two_way = False
    with pytest.raises(SmsGetTwoWayNotEnabledError) as caught:
        await client.send("hi", [TW], two_way=True)
    assert caught.value.code == "010"
    assert_password_hidden(caught.value, client)


async def test_schedule_in_the_past(sim: Simulator, client: SmsGetClient) -> None:
    with pytest.raises(SmsGetSchedulePassedError) as caught:
        await client.send("hi", [TW], schedule=datetime(2026, 1, 1, tzinfo=UTC))
    assert only_request(sim).form["send_date"] == "2026/01/01"
    assert_password_hidden(caught.value, client)


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault.html(), id="html"),
        pytest.param(Fault.empty(), id="empty"),
        pytest.param(Fault.status(500), id="http-500"),
        pytest.param(Fault.status(503), id="http-503"),
        pytest.param(Fault.status(302), id="redirect"),
        pytest.param(Fault.json("{"), id="broken-json"),
        pytest.param(Fault.json("null"), id="json-null"),
        pytest.param(Fault.json('"000"'), id="json-string"),
        pytest.param(Fault.json([SUCCESS_BODY]), id="json-list"),
        pytest.param(Fault.json({"hello": "world"}), id="other-json"),
        pytest.param(Fault.json({"stats": True}), id="no-error-code"),
        pytest.param(Fault.json({"error_code": "000"}), id="no-stats"),
        pytest.param(Fault.json(SUCCESS_BODY), id="no-error-msg"),
        pytest.param(Fault.json({**SUCCESS_BODY, "error_msg": ""}), id="empty-msg"),
        pytest.param(
            Fault.json({**SUCCESS_BODY, "error_msg": "a|b|c|d"}), id="msg-fields"
        ),
        pytest.param(
            Fault.json({**SUCCESS_BODY, "error_code": ["000"]}), id="code-not-text"
        ),
        pytest.param(Fault.json({**SUCCESS_BODY, "error_msg": 12}), id="msg-not-text"),
        pytest.param(
            Fault.json({"stats": True, "error_code": "005", "error_msg": "x"}),
            id="stats-true-with-error-code",
        ),
        pytest.param(
            Fault.json({"stats": "True", "error_code": "009"}),
            id="stats-true-string-with-error-code",
        ),
        pytest.param(
            Fault.json({"stats": False, "error_code": "000", "error_msg": "a|1|2"}),
            id="stats-false-with-success-code",
        ),
        pytest.param(
            Fault.json({"stats": False, "error_code": ""}), id="stats-false-no-code"
        ),
        pytest.param(
            Fault.json({"stats": "yes", "error_code": "000", "error_msg": "a|1|2"}),
            id="stats-neither",
        ),
        pytest.param(Fault.json(" " * 70_000), id="too-large"),
    ],
)
@pytest.mark.parametrize("call", CALLS)
async def test_answers_that_are_not_the_providers(
    sim: Simulator, client: SmsGetClient, call: Call, fault: Fault
) -> None:
    sim.faults.append(fault)
    with pytest.raises(SmsGetResponseError) as caught:
        await call(client)
    assert_password_hidden(caught.value, client)
    assert len(sim.requests) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(_send, "abc|1", id="send-two-fields"),
        pytest.param(_send, "abc|one|998", id="send-points-not-a-number"),
        pytest.param(_send, "abc||998", id="send-empty-field"),
        pytest.param(_send, "abc|1|1e999.", id="send-points-not-finite"),
        pytest.param(_send, "abc|1|1.0e999", id="send-points-overflow"),
        pytest.param(_credit, "hauser", id="credit-one-field"),
        pytest.param(_credit, "hauser|lots", id="credit-not-a-number"),
        pytest.param(_credit, "hauser|1|2", id="credit-three-fields"),
    ],
)
async def test_success_messages_that_cannot_be_read(
    sim: Simulator, client: SmsGetClient, call: Call, message: str
) -> None:
    sim.faults.append(Fault.json({**SUCCESS_BODY, "error_msg": message}))
    with pytest.raises(SmsGetResponseError) as caught:
        await call(client)
    assert_password_hidden(caught.value, client)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"stats": True, "error_code": "000", "error_msg": "ab12|2|998"},
            SendResult("ab12", 2, 998),
            id="json-true",
        ),
        pytest.param(
            {"stats": "True", "error_code": "000", "error_msg": "ab12|2|998"},
            SendResult("ab12", 2, 998),
            id="string-True",
        ),
        pytest.param(
            {"stats": "true", "error_code": 0, "error_msg": " ab12 | 2 | 998 "},
            SendResult("ab12", 2, 998),
            id="string-true-integer-code-spaces",
        ),
        pytest.param(
            '\ufeff {"stats":true,"error_code":"000","error_msg":"ab12|2.0|998.0"}\r\n',
            SendResult("ab12", 2, 998),
            id="bom-whitespace-decimal-points",
        ),
        pytest.param(
            '{"stats":true,"error_code":"000","error_msg":"ab12|2|998"}' + " " * 60_000,
            SendResult("ab12", 2, 998),
            id="padded-below-the-limit",
        ),
    ],
)
async def test_success_answers_accepted(
    sim: Simulator, client: SmsGetClient, body: object, expected: SendResult
) -> None:
    sim.faults.append(Fault.json(body))
    assert await client.send("hi", [TW]) == expected


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{}", b'{"stats": true, "error_code": "000", "error_msg": "\xe9"}'],
)
async def test_answer_not_utf8(
    socket_enabled: None,
    aiohttp_server: AiohttpServer,
    session: aiohttp.ClientSession,
    body: bytes,
) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=body)

    app = web.Application()
    app.router.add_post("/api_query_credit.php", answer)
    server = await aiohttp_server(app)
    client = SmsGetClient(
        session, USERNAME, PASSWORD, base_url=str(server.make_url("")), timeout=5
    )
    with pytest.raises(SmsGetResponseError, match="not JSON"):
        await client.query_credit()


# --- the network --------------------------------------------------------------------


@pytest.mark.parametrize("call", CALLS)
async def test_connection_refused(
    session: aiohttp.ClientSession, closed_port_url: str, call: Call
) -> None:
    client = SmsGetClient(session, USERNAME, PASSWORD, base_url=closed_port_url)
    with pytest.raises(SmsGetConnectionError, match="Cannot connect") as caught:
        await call(client)
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert_password_hidden(caught.value, client)


@pytest.mark.parametrize("base_url", ["sms-get.com", "ftp://127.0.0.1", "http:///"])
@pytest.mark.parametrize("call", CALLS)
async def test_unusable_url(
    session: aiohttp.ClientSession, call: Call, base_url: str
) -> None:
    """Nothing can have left, so even a send is a plain connection error."""
    client = SmsGetClient(session, USERNAME, PASSWORD, base_url=base_url)
    with pytest.raises(SmsGetConnectionError, match="Cannot connect") as caught:
        await call(client)
    assert_password_hidden(caught.value, client)


async def test_answer_in_pieces(
    socket_enabled: None,
    aiohttp_server: AiohttpServer,
    session: aiohttp.ClientSession,
) -> None:
    """An answer split over several TCP (or TLS) records is read whole."""

    async def answer(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b'{"stats": true, "error_code": "000", ')
        await asyncio.sleep(0.05)
        await response.write(b'"error_msg": "hauser|42"}')
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/api_query_credit.php", answer)
    server = await aiohttp_server(app)
    url = str(server.make_url("")).rstrip("/")
    client = SmsGetClient(session, USERNAME, PASSWORD, base_url=url)
    assert await client.query_credit() == Credit(42)


@pytest.mark.parametrize(
    ("call", "error_type"),
    [
        pytest.param(_send, SmsGetOutcomeUnknownError, id="send"),
        pytest.param(_credit, SmsGetConnectionError, id="credit"),
    ],
)
async def test_connection_dropped(
    sim: Simulator, client: SmsGetClient, call: Call, error_type: type[SmsGetError]
) -> None:
    sim.faults.append(Fault.drop())
    with pytest.raises(error_type, match="No answer") as caught:
        await call(client)
    assert type(caught.value) is error_type
    # A send is never repeated: it may have been applied.
    assert len(sim.requests) == 1
    assert_password_hidden(caught.value, client)


@pytest.mark.parametrize(
    ("call", "error_type"),
    [
        pytest.param(_send, SmsGetOutcomeUnknownError, id="send"),
        pytest.param(_credit, SmsGetConnectionError, id="credit"),
    ],
)
async def test_slow_answer(
    sim: Simulator,
    impatient_client: SmsGetClient,
    call: Call,
    error_type: type[SmsGetError],
) -> None:
    sim.faults.append(Fault.delay(1))
    started = time.monotonic()
    with pytest.raises(error_type, match="No answer") as caught:
        await call(impatient_client)
    assert time.monotonic() - started < 0.9
    assert type(caught.value) is error_type
    assert isinstance(caught.value.__cause__, TimeoutError)
    assert len(sim.requests) == 1
    assert_password_hidden(caught.value, impatient_client)


async def test_slow_send_may_still_be_applied(
    sim: Simulator, impatient_client: SmsGetClient
) -> None:
    """Why a timed-out send is "outcome unknown": the provider carries on with it."""
    sim.faults.append(Fault.delay(0.5))
    with pytest.raises(SmsGetOutcomeUnknownError):
        await impatient_client.send("hi", [TW])
    assert sim.messages == []
    await sim.wait_idle()
    assert len(sim.messages) == 1
    assert len(sim.requests) == 1


@pytest.mark.parametrize(
    "first_fault",
    [
        pytest.param(Fault.delay(0.2), id="slow-success"),
        pytest.param(Fault.delay(0.1, Fault.status(500)), id="slow-failure"),
        pytest.param(Fault.delay(0.1, Fault.drop()), id="slow-drop"),
    ],
)
async def test_concurrent_sends_do_not_overlap(
    sim: Simulator, client: SmsGetClient, first_fault: Fault
) -> None:
    sim.faults.append(first_fault)
    first, second = await asyncio.gather(
        client.send("one", [TW]), client.send("two", [TW2]), return_exceptions=True
    )
    assert isinstance(second, SendResult)
    assert isinstance(first, SendResult | SmsGetError)
    one, two = sim.requests
    assert one.form["sms_msg"] == "one"
    assert two.form["sms_msg"] == "two"
    assert one.finished is not None
    assert one.finished <= two.started


# --- credentials --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "endpoint"),
    [
        pytest.param(_send, "api_send.php", id="send"),
        pytest.param(_credit, "api_query_credit.php", id="credit"),
        pytest.param(
            lambda client: client.send("hi", [TW], two_way=True),
            "api_send_twoway.php",
            id="two-way",
        ),
    ],
)
async def test_credentials_only_in_the_post_body(
    sim: Simulator, client: SmsGetClient, call: Call, endpoint: str
) -> None:
    await call(client)
    request = only_request(sim)
    assert request.endpoint == endpoint
    assert request.method == "POST"
    assert request.query == {}
    assert request.form["username"] == USERNAME
    assert request.form["password"] == PASSWORD


def test_repr_names_the_account_not_the_password(
    session: aiohttp.ClientSession,
) -> None:
    client = SmsGetClient(session, USERNAME, PASSWORD, base_url="http://sim.test/")
    assert repr(client) == (
        "SmsGetClient(username='hauser', base_url='http://sim.test')"
    )
    assert PASSWORD not in str(client)
    assert SmsGetClient(session, USERNAME, PASSWORD).base_url == DEFAULT_BASE_URL


async def test_password_never_logged(
    sim: Simulator, client: SmsGetClient, caplog: pytest.LogCaptureFixture
) -> None:
    sim.faults.extend([Fault.json({"stats": "maybe", "error_code": "000"})])
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SmsGetResponseError):
        await client.query_credit()
    await client.send("hi", [TW])
    assert "api_send.php answered HTTP 200" in caplog.text
    assert PASSWORD not in caplog.text


async def test_no_connection_is_reused(
    socket_enabled: None, aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    """A kept-alive connection SMS-Get closed while idle must not fail a later send."""
    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Connection"))
        message = "m1|1|9" if request.path == "/api_send.php" else f"{USERNAME}|9"
        return web.json_response(
            {"stats": True, "error_code": "000", "error_msg": message}
        )

    app = web.Application()
    app.router.add_post("/api_send.php", handler)
    app.router.add_post("/api_query_credit.php", handler)
    server = await aiohttp_server(app)
    client = SmsGetClient(
        session, USERNAME, PASSWORD, base_url=str(server.make_url("")).rstrip("/")
    )
    await client.send("hi", [TW])
    await client.send("hi", [TW])
    await client.query_credit()
    assert seen == ["close", "close", "close"]
