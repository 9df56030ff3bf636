"""The SMS-Get simulator against the provider's document, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
import itertools
import json
import re
from typing import Any
from urllib.parse import unquote

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
import pytest

from simulator import TAIPEI, Account, AutoAnswer, Fault, Simulator
from simulator.__main__ import parse_account
from simulator.protocol import country_of, segments

type Client = TestClient[web.Request, web.Application]
type ClientFactory = Callable[[web.Application], Awaitable[Client]]
type ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

# A fixed GMT+8 "now" for schedules and report times.
NOW = datetime(2025, 6, 1, 12, 0, 30, tzinfo=TAIPEI)
CREDENTIALS = {"username": "demo", "password": "demo-pass"}
REPORT_LINE = re.compile(
    r"(?P<phone>\d+)\|(?P<id>[0-9a-z]+)\|(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"
    r"\|(?P<status>DELIVRD|UNDELIV)"
)


@pytest.fixture(autouse=True)
def _loopback_sockets(request: pytest.FixtureRequest) -> None:
    # Home Assistant's pytest plugin blocks sockets; these tests need loopback ones.
    with contextlib.suppress(pytest.FixtureLookupError):
        request.getfixturevalue("socket_enabled")


@pytest.fixture
def sim() -> Simulator:
    return Simulator(
        accounts={"demo": Account(password="demo-pass", points=1000, two_way=True)},
        callback_delay=0.01,
        clock=lambda: NOW,
    )


@pytest.fixture
async def client(aiohttp_client: ClientFactory, sim: Simulator) -> Client:
    return await aiohttp_client(sim.app)


@dataclass
class Receiver:
    """The user's side of the callbacks: records every request, answers ok."""

    server: TestServer
    calls: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    arrived: asyncio.Queue[None] = field(default_factory=asyncio.Queue)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def wait(self, count: int = 1) -> None:
        async with asyncio.timeout(5):
            while len(self.calls) < count:
                await self.arrived.get()


@pytest.fixture
async def receiver(aiohttp_server: ServerFactory) -> Receiver:
    holder: list[Receiver] = []

    async def receive(request: web.Request) -> web.Response:
        holder[0].calls.append(
            # The raw query, as encoded on the wire.
            (request.path, dict(request.query), request.raw_path.partition("?")[2])
        )
        holder[0].arrived.put_nowait(None)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{tail:.*}", receive)
    holder.append(Receiver(await aiohttp_server(app)))
    return holder[0]


async def call(
    client: Client, endpoint: str, params: dict[str, str], *, use_get: bool = False
) -> dict[str, Any]:
    """One API call with form parameters (query parameters with use_get)."""
    if use_get:
        response = await client.get(f"/{endpoint}", params=params)
    else:
        response = await client.post(f"/{endpoint}", data=params)
    assert response.status == 200
    # PHP's content type: the JSON is not announced as JSON.
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    answer: dict[str, Any] = json.loads(await response.text())
    return answer


async def send(client: Client, phone: str, text: str = "hi", **extra: str) -> Any:
    endpoint = extra.pop("endpoint", "api_send.php")
    params = {**CREDENTIALS, "method": "1", "sms_msg": text, "phone": phone, **extra}
    return await call(client, endpoint, params)


def assert_error(answer: dict[str, Any], code: str) -> None:
    assert answer["stats"] is False
    assert answer["error_code"] == code
    assert answer["error_msg"]


# --- credit ---------------------------------------------------------------------------


@pytest.mark.parametrize("use_get", [True, False])
async def test_credit(client: Client, use_get: bool) -> None:
    answer = await call(client, "api_query_credit.php", CREDENTIALS, use_get=use_get)
    assert answer == {"stats": True, "error_code": "000", "error_msg": "demo|1000"}


async def test_credit_errors(client: Client, sim: Simulator) -> None:
    assert_error(
        await call(client, "api_query_credit.php", {"username": "demo"}), "001"
    )
    wrong = await call(client, "api_query_credit.php", {**CREDENTIALS, "password": "x"})
    assert wrong == {"stats": False, "error_code": "005", "error_msg": "帳號密碼錯誤"}
    unknown = await call(
        client, "api_query_credit.php", {"username": "x", "password": "y"}
    )
    assert_error(unknown, "005")
    sim.accounts["demo"].allowed_ips = {"192.0.2.1"}
    assert_error(await call(client, "api_query_credit.php", CREDENTIALS), "006")
    sim.accounts["demo"].allowed_ips = {"127.0.0.1"}
    assert (await call(client, "api_query_credit.php", CREDENTIALS))["stats"] is True


async def test_query_and_form_are_merged_and_recorded(
    client: Client, sim: Simulator
) -> None:
    response = await client.post(
        "/api_query_credit.php",
        params={"username": "demo", "password": "wrong"},
        data={"password": "demo-pass"},
    )
    # A body field wins over the URL's, as PHP's $_REQUEST has it.
    assert json.loads(await response.text())["error_msg"] == "demo|1000"
    [recorded] = sim.requests
    assert recorded.endpoint == "api_query_credit.php"
    assert recorded.method == "POST"
    assert recorded.query == {"username": "demo", "password": "wrong"}
    assert recorded.form == {"password": "demo-pass"}
    assert recorded.params == {"username": "demo", "password": "demo-pass"}
    assert recorded.finished is not None
    assert recorded.started <= recorded.finished
    assert recorded.error_code == "000"


# --- sends and their cost ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "used"),
    [
        ("0912345678", 1),  # Taiwan
        ("13512345123", 4),  # China
        ("54123123", 2),  # Hong Kong
        ("819012345123", 2),  # Japan
        ("0912345678 , 13512345123,54123123", 7),
    ],
)
async def test_send_deducts_points(
    client: Client, sim: Simulator, phone: str, used: int
) -> None:
    answer = await send(client, phone, "hello")
    assert answer["stats"] is True
    assert answer["error_code"] == "000"
    message_id, points_used, remaining = answer["error_msg"].split("|")
    assert re.fullmatch(r"[0-9a-z]{8,10}", message_id)
    assert (int(points_used), int(remaining)) == (used, 1000 - used)
    assert sim.accounts["demo"].points == 1000 - used
    [message] = sim.messages
    assert message.message_id == message_id
    assert message.phones == [p.strip() for p in phone.split(",")]
    assert set(message.recipient_ids) == set(message.phones)
    assert message.points_used == used
    assert message.scheduled_for is None
    assert not message.two_way


async def test_message_ids_are_unique(client: Client, sim: Simulator) -> None:
    for _ in range(5):
        await send(client, "0912345678,0912345679")
    ids = [m.message_id for m in sim.messages]
    ids += [rid for m in sim.messages for rid in m.recipient_ids.values()]
    assert len(set(ids)) == len(ids) == 15


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("好" * 70, 1),
        ("好" * 71, 2),
        ("好" * 134, 2),
        ("好" * 135, 3),
        ("a" * 69 + "é", 1),  # one non-ASCII character makes it a 70-character text
    ],
)
def test_segments(text: str, count: int) -> None:
    assert segments(text) == count


async def test_long_message_cost(client: Client) -> None:
    answer = await send(client, "13512345123,0912345678", "a" * 161)
    assert answer["error_msg"].split("|")[1:] == ["10", "990"]  # 2 x (4 + 1)


@pytest.mark.parametrize(
    ("phone", "country"),
    [
        ("0912345123", "TW"),
        ("13512345123", "CN"),
        ("54123123", "HK"),
        ("85366123123", "MO"),
        ("819012345123", "JP"),
        ("60121234123", "MY"),
        ("601212345123", "MY"),
        ("84121234123", "VN"),
        ("628123123123", "ID"),
        ("6281231231234", "ID"),
        ("66812312123", "TH"),
        ("61412312123", "AU"),
        ("6581231123", "SG"),
        ("639712345123", "PH"),
        ("971512345123", "AE"),
        ("85512345123", "KH"),
        ("855123456123", "KH"),
        ("0011231234123", "US"),
        ("82112123123", "KR"),
        ("821121234123", "KR"),
    ],
)
async def test_every_country_is_accepted(
    client: Client, phone: str, country: str
) -> None:
    assert country_of(phone) == country
    answer = await send(client, phone)
    used = {"TW": 1, "CN": 4}.get(country, 2)
    assert answer["error_msg"].split("|")[1] == str(used)


@pytest.mark.parametrize(
    "phone",
    ["+886912345678", "886912345678", "091234567", "0812345678", "0912-345-678", "x"],
)
async def test_bad_number_is_001(client: Client, sim: Simulator, phone: str) -> None:
    assert_error(await send(client, f"0912345678,{phone}"), "001")
    assert sim.messages == []
    assert sim.accounts["demo"].points == 1000


# --- error codes and their order ----------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"method": "3"}, "001"),
        ({"method": ""}, "001"),
        ({"sms_msg": ""}, "001"),
        ({"password": ""}, "001"),
        ({"password": "wrong", "phone": ""}, "005"),  # auth before recipients
        ({"phone": ""}, "007"),
        ({"phone": " , "}, "007"),
        ({"phone": ",".join(["0912345678"] * 250 + ["x"])}, "008"),
        ({"sms_msg": "a" * 1531}, "004"),  # 11 segments
        ({"sms_msg": "好" * 671}, "004"),
    ],
)
async def test_send_errors(
    client: Client, sim: Simulator, params: dict[str, str], code: str
) -> None:
    base = {**CREDENTIALS, "method": "1", "sms_msg": "hi", "phone": "0912345678"}
    assert_error(await call(client, "api_send.php", {**base, **params}), code)
    assert sim.messages == []


async def test_ten_segments_and_250_recipients_pass(client: Client) -> None:
    assert (await send(client, "0912345678", "a" * 1530))["stats"] is True
    answer = await send(client, ",".join(["0912345678"] * 250))
    assert answer["error_msg"].split("|")[1] == "250"


async def test_not_enough_points(client: Client, sim: Simulator) -> None:
    sim.accounts["demo"].points = 3
    answer = await send(client, "13512345123")
    assert answer == {"stats": False, "error_code": "009", "error_msg": "點數不足"}
    assert sim.accounts["demo"].points == 3
    assert (await send(client, "0912345678,0912345679,0912345670"))["stats"] is True
    assert sim.accounts["demo"].points == 0


async def test_ip_not_allowed_on_send(client: Client, sim: Simulator) -> None:
    sim.accounts["demo"].allowed_ips = set()
    assert_error(await send(client, "0912345678"), "006")


async def test_get_send(client: Client, sim: Simulator) -> None:
    params = {**CREDENTIALS, "method": "1", "sms_msg": "好 a+b", "phone": "0912345678"}
    answer = await call(client, "api_send.php", params, use_get=True)
    assert answer["stats"] is True
    assert sim.messages[0].text == "好 a+b"


# --- schedules --------------------------------------------------------------------------


def schedule(date: str, hour: str, minute: str) -> dict[str, str]:
    return {"method": "2", "send_date": date, "hour": hour, "min": minute}


async def test_scheduled_send(client: Client, sim: Simulator) -> None:
    answer = await send(client, "0912345678", **schedule("2025/06/01", "12", "01"))
    assert answer["stats"] is True
    assert sim.messages[0].scheduled_for == datetime(2025, 6, 1, 12, 1, tzinfo=TAIPEI)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (schedule("2025/06/01", "12", "00"), "003"),  # now is 12:00:30 GMT+8
        (schedule("2024/12/31", "23", "59"), "003"),
        (schedule("2025-06-02", "12", "00"), "002"),
        (schedule("2025/6/2", "12", "00"), "002"),
        (schedule("2025/02/30", "12", "00"), "002"),
        (schedule("2025/06/02", "24", "00"), "002"),
        (schedule("2025/06/02", "7", "00"), "002"),
        (schedule("2025/06/02", "12", "60"), "002"),
        (schedule("", "12", "00"), "002"),
        ({"method": "2"}, "002"),
    ],
)
async def test_schedule_errors(
    client: Client, params: dict[str, str], code: str
) -> None:
    assert_error(await send(client, "0912345678", **params), code)


async def test_schedule_ignored_when_sending_now(client: Client) -> None:
    answer = await send(client, "0912345678", send_date="nonsense", hour="99", min="x")
    assert answer["stats"] is True


# --- two-way ---------------------------------------------------------------------------


async def test_two_way_send(client: Client, sim: Simulator) -> None:
    answer = await send(
        client, "0912345678,0912345679", "好" * 71, endpoint="api_send_twoway.php"
    )
    assert answer["error_msg"].split("|")[1:] == ["4", "996"]  # 1 point x 2 segments
    assert sim.messages[0].two_way


async def test_two_way_rules(client: Client, sim: Simulator) -> None:
    twoway = {"endpoint": "api_send_twoway.php"}
    assert_error(await send(client, "0912345678,13512345123", **twoway), "001")
    sim.accounts["demo"].two_way = False
    answer = await send(client, "0912345678", **twoway)
    assert answer == {
        "stats": False,
        "error_code": "010",
        "error_msg": "尚未申請雙向功能",
    }
    # The one-way endpoint does not care.
    assert (await send(client, "0912345678"))["stats"] is True


# --- faults ------------------------------------------------------------------------------


async def test_faults_in_order(client: Client, sim: Simulator) -> None:
    sim.faults.extend(
        [
            Fault.html(),
            Fault.empty(),
            Fault.status(502),
            Fault.code("009"),
            Fault.json({"stats": "True", "error_code": "000", "error_msg": "x|1|2"}),
            Fault.json('{"stats": tru'),
        ]
    )
    url = "/api_query_credit.php"
    response = await client.post(url, data=CREDENTIALS)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Fatal error" in await response.text()

    response = await client.post(url, data=CREDENTIALS)
    assert (response.status, await response.read()) == (200, b"")

    response = await client.post(url, data=CREDENTIALS)
    assert response.status == 502
    assert "502" in await response.text()

    answer = json.loads(await (await client.post(url, data=CREDENTIALS)).text())
    assert answer == {"stats": False, "error_code": "009", "error_msg": "點數不足"}

    answer = json.loads(await (await client.post(url, data=CREDENTIALS)).text())
    assert answer["stats"] == "True"

    response = await client.post(url, data=CREDENTIALS)
    assert await response.text() == '{"stats": tru'

    # Faults used up: back to normal.
    assert (await call(client, "api_query_credit.php", CREDENTIALS))["stats"] is True
    assert len(sim.requests) == 7
    assert not sim.faults


async def test_fault_code_on_send_charges_nothing(
    client: Client, sim: Simulator
) -> None:
    sim.faults.append(Fault.code("005"))
    assert_error(await send(client, "0912345678"), "005")
    assert sim.messages == []
    assert sim.accounts["demo"].points == 1000


async def test_drop(client: Client, sim: Simulator) -> None:
    sim.faults.append(Fault.drop())
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.post("/api_send.php", data=CREDENTIALS)
    assert len(sim.requests) == 1
    assert (await call(client, "api_query_credit.php", CREDENTIALS))["stats"] is True


async def test_delay_then_answer(client: Client, sim: Simulator) -> None:
    sim.faults.append(Fault.delay(0.05))
    answer = await send(client, "0912345678")
    assert answer["stats"] is True
    [recorded] = sim.requests
    assert recorded.finished is not None
    assert recorded.finished - recorded.started >= 0.05


async def test_delay_outlives_client_timeout(client: Client, sim: Simulator) -> None:
    """A client that gives up leaves a send whose outcome it does not know."""
    # Far apart, so that a busy machine cannot make the answer beat the timeout.
    sim.faults.append(Fault.delay(1.0))
    params = {**CREDENTIALS, "method": "1", "sms_msg": "hi", "phone": "0912345678"}
    with pytest.raises(TimeoutError):
        await client.post(
            "/api_send.php", data=params, timeout=aiohttp.ClientTimeout(total=0.05)
        )
    assert sim.messages == []
    # The simulator carries on with the send its client gave up on.
    await sim.wait_idle()
    assert len(sim.messages) == 1
    assert sim.accounts["demo"].points == 999


async def test_delay_then_other_fault(client: Client, sim: Simulator) -> None:
    sim.faults.append(Fault.delay(0.01, Fault.status(503)))
    response = await client.post("/api_query_credit.php", data=CREDENTIALS)
    assert response.status == 503


def test_fault_constructors_validate() -> None:
    with pytest.raises(ValueError, match="HTTP status"):
        Fault.status(42)
    with pytest.raises(ValueError, match="negative"):
        Fault.delay(-1)
    assert Fault.code("001") == Fault.code("001")


async def test_requests_never_overlap_when_sequential(
    client: Client, sim: Simulator
) -> None:
    for _ in range(3):
        await send(client, "0912345678")
    spans = [(r.started, r.finished) for r in sim.requests]
    for (_, first_end), (second_start, _) in itertools.pairwise(spans):
        assert first_end is not None
        assert first_end <= second_start


# --- callbacks ---------------------------------------------------------------------------


async def test_delivery_report(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    url = receiver.url("/receive.php")
    sim.accounts["demo"].delivery_url = url
    sim.undeliverable.add("0912345679")
    answer = await send(client, "0912345678, 0912345679")
    message_id = answer["error_msg"].split("|")[0]
    await receiver.wait()
    [(path, params, raw_query)] = receiver.calls
    assert path == "/receive.php"
    # In the query string of a POST, as the document writes them.
    assert raw_query.startswith(f"sms_id={message_id}&content=")
    assert params["sms_id"] == message_id
    lines = [REPORT_LINE.fullmatch(line) for line in params["content"].split(",")]
    assert all(lines)
    recipient_ids = sim.messages[0].recipient_ids
    assert [(m["phone"], m["id"], m["time"], m["status"]) for m in lines if m] == [
        ("0912345678", recipient_ids["0912345678"], "2025-06-01 12:00:30", "DELIVRD"),
        ("0912345679", recipient_ids["0912345679"], "2025-06-01 12:00:30", "UNDELIV"),
    ]
    await sim.wait_idle()
    assert sim.callbacks_sent == [(url, params, 200)]


async def test_delivery_url_keeps_its_own_query(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    sim.accounts["demo"].delivery_url = receiver.url("/hook?token=abc")
    await send(client, "0912345678")
    await receiver.wait()
    assert receiver.calls[0][1]["token"] == "abc"
    assert "sms_id" in receiver.calls[0][1]


async def test_no_delivery_url_no_callback(client: Client, sim: Simulator) -> None:
    await send(client, "0912345678")
    await asyncio.sleep(0.05)
    assert sim.callbacks_sent == []


async def test_unreachable_callback_is_survived(
    client: Client, sim: Simulator, unused_tcp_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/receive.php"
    sim.accounts["demo"].delivery_url = url
    await send(client, "0912345678")
    await sim.wait_idle()
    assert sim.callbacks_sent[0][0] == url
    assert sim.callbacks_sent[0][2] == 0
    assert (await send(client, "0912345678"))["stats"] is True


async def test_close_cancels_pending_callbacks(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    sim.callback_delay = 30
    sim.accounts["demo"].delivery_url = receiver.url("/receive.php")
    await send(client, "0912345678")
    await sim.close()
    assert sim.callbacks_sent == []
    assert receiver.calls == []


async def test_reply_round_trip(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    url = receiver.url("/twoway")
    sim.accounts["demo"].twoway_url = url
    await send(client, "0912345678", endpoint="api_send_twoway.php")
    text = "03 好的, a+b 100%"
    assert await sim.send_reply("0912345678", text) == 200
    await receiver.wait()
    [(path, params, raw_query)] = receiver.calls
    assert path == "/twoway"
    assert list(params) == ["content"]
    phone, recipient_id, when, encoded = params["content"].split("|")
    assert (phone, when) == ("0912345678", "2025-06-01 12:00:30")
    assert recipient_id == sim.messages[0].recipient_ids["0912345678"]
    # Encoded inside the line: no comma, plus or space left to confuse a parser...
    assert re.fullmatch(r"[A-Za-z0-9%._~-]+", encoded)
    assert unquote(encoded) == text
    # ...and encoded once more on the wire.
    assert "%25E5%25A5%25BD" in raw_query
    assert sim.callbacks_sent == [(url, params, 200)]


async def test_reply_without_message_gets_fresh_id(
    sim: Simulator, receiver: Receiver
) -> None:
    sim.accounts["demo"].twoway_url = receiver.url("/twoway")
    assert await sim.send_reply("0912000000", "03 hi", username="demo") == 200
    content = receiver.calls[0][1]["content"]
    assert re.fullmatch(r"0912000000\|[0-9a-z]{8}\|[-0-9 :]{19}\|03%20hi", content)
    await sim.close()


async def test_reply_refusals(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="two-way callback URL"):
        await sim.send_reply("0912345678", "03 hi")
    with pytest.raises(ValueError, match="no account"):
        await sim.send_reply("0912345678", "03 hi", username="nobody")


# --- the settings page and the sandbox endpoints -------------------------------------------


async def test_settings_page(client: Client, sim: Simulator) -> None:
    page = await (await client.get("/settings")).text()
    assert 'name="delivery_url"' in page
    form = {
        **CREDENTIALS,
        "delivery_url": "http://127.0.0.1:8123/api/webhook/a",
        "twoway_url": "http://127.0.0.1:8123/api/webhook/b",
    }
    response = await client.post("/settings", data=form)
    assert response.status == 200
    assert "設定已儲存" in await response.text()
    assert sim.accounts["demo"].delivery_url == form["delivery_url"]
    assert sim.accounts["demo"].twoway_url == form["twoway_url"]
    page = await (await client.post("/settings", data={**form, "password": "x"})).text()
    assert "帳號密碼錯誤" in page


async def test_sim_endpoints(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    settings = {**CREDENTIALS, "twoway_url": receiver.url("/twoway")}
    response = await client.post("/sim/settings", json=settings)
    assert await response.json() == {"ok": True}
    assert sim.accounts["demo"].twoway_url == settings["twoway_url"]
    assert sim.accounts["demo"].delivery_url is None
    response = await client.post("/sim/settings", json={**settings, "password": "x"})
    assert response.status == 403

    await send(client, "0912345678", "好", endpoint="api_send_twoway.php")
    messages = await (await client.get("/sim/messages")).json()
    assert messages[0]["text"] == "好"
    assert messages[0]["phones"] == ["0912345678"]

    response = await client.post(
        "/sim/reply", json={"phone": "0912345678", "text": "03"}
    )
    assert await response.json() == {"ok": True, "status": 200}
    assert receiver.calls[0][0] == "/twoway"
    response = await client.post("/sim/reply", json={"phone": "0912345678"})
    assert response.status == 400
    callbacks = await (await client.get("/sim/callbacks")).json()
    assert callbacks[0]["status"] == 200


# --- people who answer -------------------------------------------------------------


async def test_auto_answer_from_control_api(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    account = sim.accounts["demo"]
    account.twoway_url = receiver.url("/twoway")
    account.two_way_code = "03"
    rule = {"phone": "0912345678", "text": "好 1", "delay": 0, "with_code": True}
    response = await client.post("/sim/answers", json=rule)
    assert await response.json() == {"ok": True, "answer": {**rule, "delay": 0.0}}
    assert await (await client.get("/sim/answers")).json() == [{**rule, "delay": 0.0}]

    # Neither a one-way message nor a two-way one to someone else is answered.
    await send(client, "0912345678")
    await send(client, "0912000000", endpoint="api_send_twoway.php")
    await sim.wait_idle()
    assert receiver.calls == []

    await send(client, "0912345678", "Open the gate?", endpoint="api_send_twoway.php")
    await sim.wait_idle()
    [(path, params, _)] = receiver.calls
    phone, recipient_id, when, encoded = params["content"].split("|")
    assert (path, phone, when) == ("/twoway", "0912345678", "2025-06-01 12:00:30")
    assert recipient_id == sim.messages[-1].recipient_ids["0912345678"]
    assert unquote(encoded) == "03 好 1"

    response = await client.delete("/sim/answers/0912345678")
    assert await response.json() == {"ok": True}
    assert sim.auto_answers == {}
    response = await client.delete("/sim/answers/0912345678")
    assert response.status == 404


async def test_auto_answer_without_code(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    sim.accounts["demo"].twoway_url = receiver.url("/twoway")
    sim.accounts["demo"].two_way_code = "03"
    sim.auto_answers["0912345678"] = AutoAnswer.checked(
        "0912345678", "yes", 0, with_code=False
    )
    await send(client, "0912345678", endpoint="api_send_twoway.php")
    await sim.wait_idle()
    assert unquote(receiver.calls[0][1]["content"].split("|")[3]) == "yes"


async def test_auto_answer_needs_a_two_way_url(
    client: Client, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    sim.auto_answers["0912345678"] = AutoAnswer.checked("0912345678", "1", 0)
    await send(client, "0912345678", endpoint="api_send_twoway.php")
    await sim.wait_idle()
    assert sim.callbacks_sent == []
    assert "has no two-way callback URL" in caplog.text


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ({"phone": "85212345678", "text": "1"}, "not a Taiwan mobile number"),
        ({"phone": "0912345678", "text": "  "}, "text is empty"),
        ({"phone": "0912345678", "text": "1", "delay": -1}, "0 to 3600 seconds"),
        ({"phone": "0912345678", "text": "1", "delay": "3"}, "expected"),
        ({"phone": "0912345678", "text": "1", "delay": True}, "expected"),
        ({"phone": "0912345678", "text": "1", "with_code": "no"}, "expected"),
        ({"phone": "0912345678"}, "expected"),
    ],
)
async def test_auto_answer_refusals(
    client: Client, sim: Simulator, rule: dict[str, Any], error: str
) -> None:
    response = await client.post("/sim/answers", json=rule)
    assert response.status == 400
    assert error in (await response.json())["error"]
    assert sim.auto_answers == {}


async def test_auto_answer_from_settings_page(client: Client, sim: Simulator) -> None:
    form = {
        "username": "demo",
        "phone": "0912345678",
        "text": "1",
        "delay": "2.5",
        "with_code": "on",
    }
    response = await client.post("/settings/answers", data=form, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/settings?username=demo"
    assert sim.auto_answers["0912345678"] == AutoAnswer("0912345678", "1", 2.5, True)
    page = await (await client.get("/settings?username=demo")).text()
    assert "<td>0912345678</td><td>1</td><td>2.5 s</td><td>yes</td>" in page

    # An unticked box is left out of the form.
    del form["with_code"]
    await client.post("/settings/answers", data=form)
    assert sim.auto_answers["0912345678"].with_code is False

    response = await client.post("/settings/answers", data={**form, "phone": "12345"})
    assert response.status == 400
    assert "not a Taiwan mobile number" in await response.text()

    response = await client.post(
        "/settings/answers/delete", data={"phone": "0912345678", "username": "demo"}
    )
    assert response.status == 200
    assert sim.auto_answers == {}
    assert "Nobody answers by themselves yet" in await response.text()


async def test_settings_page_lists_messages_newest_first(
    client: Client, sim: Simulator
) -> None:
    assert "No message sent yet" in await (await client.get("/settings")).text()
    await send(client, "0912345678", "first <b>")
    await send(client, "0912345679", "第二", endpoint="api_send_twoway.php")
    page = await (await client.get("/settings")).text()
    second = page.index("<td>0912345679</td><td>two-way</td><td>1</td><td>第二</td>")
    first = page.index(
        "<td>0912345678</td><td>one-way</td><td>1</td><td>first &lt;b&gt;"
    )
    assert second < first
    assert "<td>2025-06-01 12:00:30</td><td>demo</td>" in page


def test_parse_account() -> None:
    name, account = parse_account("demo:demo-pass:1000")
    assert (name, account.password, account.points, account.two_way) == (
        "demo",
        "demo-pass",
        1000,
        True,
    )
    name, account = parse_account("x:a:b:5:oneway")
    assert (name, account.password, account.points, account.two_way) == (
        "x",
        "a:b",
        5,
        False,
    )
