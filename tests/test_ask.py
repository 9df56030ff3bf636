"""sms_get.ask: a two-way question, and the reply that answers it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from http import HTTPStatus
from itertools import count
from typing import Any
from urllib.parse import quote

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_NAME, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import (
    CoreState,
    Event,
    HomeAssistant,
    ServiceResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.sms_get.const import CONF_PHONE, DOMAIN, SUBENTRY_RECIPIENT
from simulator import Account, Fault, Simulator

from .conftest import PASSWORD, WEBHOOK_ID

URL = f"/api/webhook/{WEBHOOK_ID}"
ENTRY_ID = "01JSMSGETENTRY0000000000000"
GRANDMA = "0912345678"
UNCLE = "0922333444"
# 21:08:30 in Taipei; replies carry the carrier's time of 21:08:07.
NOW = "2025-06-01T13:08:30+00:00"
TIME = "2025-06-01 21:08:07"
ISO_TIME = "2025-06-01T21:08:07+08:00"
QUESTION = "Someone is at the gate. Reply 03 1 to open it."

type Client = TestClient[Any, Any]
type Ask = asyncio.Task[ServiceResponse]


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The account with two-way code 03, one recipient, Grandma, and 1 point a send."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="hauser",
        unique_id="hauser",
        data=entry_data,
        options={
            "two_way_code": "03",
            "low_credit_threshold": 50,
            "max_points_per_send": 1,
        },
        entry_id=ENTRY_ID,
        subentries_data=[
            ConfigSubentryData(
                data={CONF_NAME: "Grandma", CONF_PHONE: GRANDMA},
                subentry_id="subentry_grandma",
                subentry_type=SUBENTRY_RECIPIENT,
                title="Grandma",
                unique_id=GRANDMA,
            )
        ],
    )


@pytest.fixture
async def client(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> Client:
    """An HTTP client for Home Assistant, with SMS-Get set up at a fixed time."""
    freezer.move_to(NOW)
    return await hass_client_no_auth()


_ids = count()


async def _reply(
    hass: HomeAssistant,
    client: Client,
    phone: str,
    text: str,
    *,
    time: str = TIME,
    url: str = URL,
) -> None:
    """A phone replies: SMS-Get calls the two-way webhook."""
    line = f"{phone}|r{next(_ids)}|{time}|{quote(text, safe='')}"
    response = await client.post(url, data={"content": line})
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()


async def _ask(hass: HomeAssistant, **data: Any) -> Ask:
    """Call sms_get.ask and return once SMS-Get has accepted the question."""
    sent = asyncio.Event()

    @callback
    def _sent(_event: Event) -> None:
        sent.set()

    unsubscribe = hass.bus.async_listen("sms_get_message_sent", _sent)
    task: Ask = hass.async_create_background_task(
        hass.services.async_call(
            DOMAIN,
            "ask",
            {"message": QUESTION, "recipient": GRANDMA, **data},
            blocking=True,
            return_response=True,
        ),
        "ask",
    )
    waiting = asyncio.ensure_future(sent.wait())
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    unsubscribe()
    await hass.async_block_till_done()
    return task


def _answered(
    reply: str, answer: str | None, message_id: str, phone: str = GRANDMA
) -> dict[str, Any]:
    return {
        "answered": True,
        "reason": "answered",
        "reply": reply,
        "answer": answer,
        "phone": phone,
        "received_at": ISO_TIME,
        "message_id": message_id,
        "points_used": 1,
    }


def _ended(reason: str, message_id: str, phone: str = GRANDMA) -> dict[str, Any]:
    return {
        "answered": False,
        "reason": reason,
        "reply": None,
        "answer": None,
        "phone": phone,
        "received_at": None,
        "message_id": message_id,
        "points_used": 1,
    }


def _pending(entry: MockConfigEntry) -> int:
    return len(entry.runtime_data.asks)


async def test_answered(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """The question goes out two-way; the first accepted reply answers it."""
    sent = async_capture_events(hass, "sms_get_message_sent")
    replies = async_capture_events(hass, "sms_get_reply_received")
    ask = await _ask(hass, answers=["1", "2"])
    [message] = simulator.messages
    assert message.two_way is True
    assert message.phones == [GRANDMA]
    assert message.text == QUESTION
    assert [event.data["two_way"] for event in sent] == [True]
    assert not ask.done()

    await _reply(hass, client, GRANDMA, "03 1")

    assert await ask == _answered("1", "1", message.message_id)
    # The reply fired its events as any other, with the recipient's name.
    assert [(e.data["text"], e.data["recipient"]) for e in replies] == [
        ("1", "Grandma")
    ]
    state = hass.states.get("event.grandma_reply")
    assert state is not None
    assert state.attributes["text"] == "1"
    assert state.attributes["recipient"] == "Grandma"
    credit = hass.states.get("sensor.sms_get_hauser_credit")
    assert credit is not None
    assert credit.state == "999"
    assert _pending(init_integration) == 0


async def test_any_answer_without_answers(
    hass: HomeAssistant, client: Client, simulator: Simulator
) -> None:
    """Without answers any reply (code stripped) answers."""
    ask = await _ask(hass)
    await _reply(hass, client, GRANDMA, "03 I'll be there in 5 minutes")
    [message] = simulator.messages
    assert await ask == _answered(
        "I'll be there in 5 minutes", None, message.message_id
    )


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("03 １", "1"),  # noqa: RUF001
        ("03  1 ", "1"),
        ("03 YES", "Yes"),
        ("03 yes", "Yes"),
        ("03 ｙｅｓ", "Yes"),  # noqa: RUF001
    ],
)
async def test_answers_compared_folded(
    hass: HomeAssistant,
    client: Client,
    simulator: Simulator,
    text: str,
    answer: str,
) -> None:
    """Full-width, spaced and case variants match, and answer gives the item as given."""
    ask = await _ask(hass, answers=["1", "Yes"])
    await _reply(hass, client, GRANDMA, text)
    result = await ask
    assert result is not None
    assert result["answered"] is True
    assert result["answer"] == answer


async def test_other_replies_leave_the_ask_waiting(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Not an answer: another text, no code, another phone, a stale reply."""
    replies = async_capture_events(hass, "sms_get_reply_received")
    ask = await _ask(hass, answers=["1", "2"])
    await _reply(hass, client, GRANDMA, "03 3")
    await _reply(hass, client, GRANDMA, "1")
    await _reply(hass, client, UNCLE, "03 1")
    # 20 minutes old: replayed or delayed, it must not act.
    await _reply(hass, client, GRANDMA, "03 2", time="2025-06-01 20:48:07")
    # 10 minutes ahead of the provider's clock.
    await _reply(hass, client, GRANDMA, "03 2", time="2025-06-01 21:18:31")
    assert not ask.done()
    assert len(replies) == 5

    await _reply(hass, client, GRANDMA, "03 2")
    [message] = simulator.messages
    assert await ask == _answered("2", "2", message.message_id)


async def test_reply_before_the_send_is_not_an_answer(
    hass: HomeAssistant, client: Client, simulator: Simulator
) -> None:
    """A reply that arrived before the question was accepted cannot answer it."""
    await _reply(hass, client, GRANDMA, "03 1")
    ask = await _ask(hass, answers=["1"])
    assert not ask.done()
    await _reply(hass, client, GRANDMA, "03 1")
    assert (await ask or {})["answered"] is True


async def test_timeout(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Nobody answers in time: the ask ends with timeout."""
    ask = await _ask(hass, timeout="00:01:00")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=59))
    await hass.async_block_till_done()
    assert not ask.done()

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    [message] = simulator.messages
    assert await ask == _ended("timeout", message.message_id)
    assert _pending(init_integration) == 0
    # A late reply only fires its events.
    replies = async_capture_events(hass, "sms_get_reply_received")
    await _reply(hass, client, GRANDMA, "03 1")
    assert len(replies) == 1


async def test_default_timeout_is_five_minutes(
    hass: HomeAssistant, client: Client, simulator: Simulator
) -> None:
    """Without timeout the ask waits 5 minutes."""
    ask = await _ask(hass)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=4, seconds=59))
    await hass.async_block_till_done()
    assert not ask.done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5, seconds=1))
    assert (await ask or {})["reason"] == "timeout"


async def test_superseded(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A newer ask to the same phone ends the older one once SMS-Get accepts it."""
    first = await _ask(hass)
    second = await _ask(hass, message="Still at the gate. Reply 03 1 to open it.")
    older, newer = simulator.messages
    assert await first == _ended("superseded", older.message_id)

    await _reply(hass, client, GRANDMA, "03 1")
    assert await second == _answered("1", None, newer.message_id)
    assert _pending(init_integration) == 0


async def test_refused_ask_supersedes_nothing(
    hass: HomeAssistant, client: Client, simulator: Simulator
) -> None:
    """An ask SMS-Get refuses, or one refused before sending, leaves the older waiting.

    Refused before sending: bad input, or a spending limit (a two-segment question
    costs 2 points, over the 1 allowed per send).
    """
    first = await _ask(hass)
    simulator.faults.append(Fault.code("009"))
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "ask",
            {"message": QUESTION, "recipient": GRANDMA},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "insufficient_credit"
    for message, key in (("", "empty_message"), ("x" * 200, "over_send_limit")):
        with pytest.raises(ServiceValidationError) as refused:
            await _call_ask(hass, {"message": message, "recipient": GRANDMA})
        assert refused.value.translation_key == key
    assert len(simulator.messages) == 1
    assert not first.done()

    await _reply(hass, client, GRANDMA, "03 1")
    [message] = simulator.messages
    assert await first == _answered("1", None, message.message_id)


async def test_provider_error_starts_no_wait(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """SMS-Get refusing the question raises its error at once; nothing waits."""
    simulator.faults.append(Fault.code("010"))
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "ask",
            {"message": QUESTION, "recipient": GRANDMA},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "two_way_not_enabled"
    assert simulator.messages == []
    assert _pending(init_integration) == 0


async def test_two_phones_answered_out_of_order(
    hass: HomeAssistant, client: Client, simulator: Simulator
) -> None:
    """Two asks to two phones: each reply answers its own phone's ask."""
    grandma = await _ask(hass, answers=["1", "2"])
    uncle = await _ask(hass, recipient=UNCLE, answers=["1", "2"])
    to_grandma, to_uncle = simulator.messages

    await _reply(hass, client, UNCLE, "03 2")
    assert not grandma.done()
    assert await uncle == _answered("2", "2", to_uncle.message_id, UNCLE)
    await _reply(hass, client, GRANDMA, "03 1")
    assert await grandma == _answered("1", "1", to_grandma.message_id)


async def test_recipient_as_entity(
    hass: HomeAssistant, client: Client, simulator: Simulator
) -> None:
    """A recipient's notify entity stands for their phone."""
    ask = await _ask(hass, recipient="notify.grandma", answers=["1"])
    [message] = simulator.messages
    assert message.phones == [GRANDMA]
    await _reply(hass, client, GRANDMA, "03 1")
    assert await ask == _answered("1", "1", message.message_id)


@pytest.mark.parametrize(
    "recipient", ["+886 912-345-678", "+886912345678", "0912.345.678"]
)
async def test_recipient_formats(
    hass: HomeAssistant, client: Client, simulator: Simulator, recipient: str
) -> None:
    """Any accepted format reaches the phone, and its replies answer."""
    ask = await _ask(hass, recipient=recipient)
    await _reply(hass, client, GRANDMA, "03 ok")
    result = await ask
    assert result is not None
    assert result["answered"] is True
    assert result["phone"] == GRANDMA


async def test_cancelled_on_unload(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Unloading the entry ends its pending asks with cancelled."""
    grandma = await _ask(hass)
    uncle = await _ask(hass, recipient=UNCLE)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    to_grandma, to_uncle = simulator.messages
    assert await grandma == _ended("cancelled", to_grandma.message_id)
    assert await uncle == _ended("cancelled", to_uncle.message_id, UNCLE)


async def test_cancelled_when_home_assistant_stops(
    hass: HomeAssistant, client: Client, simulator: Simulator
) -> None:
    """Home Assistant stopping ends pending asks with cancelled."""
    ask = await _ask(hass)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    [message] = simulator.messages
    assert await ask == _ended("cancelled", message.message_id)


async def test_other_entry_does_not_answer(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    entry_data: dict[str, Any],
) -> None:
    """A reply from the same phone to another account does not answer."""
    simulator.accounts["other"] = Account(password=PASSWORD, points=50, two_way=True)
    other_webhook = "f" * 64
    other = MockConfigEntry(
        domain=DOMAIN,
        title="other",
        unique_id="other",
        data={**entry_data, "username": "other", "webhook_id": other_webhook},
        entry_id="01JSMSGETOTHER0000000000000",
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()

    ask = await _ask(hass, config_entry_id=ENTRY_ID)
    await _reply(hass, client, GRANDMA, "03 1", url=f"/api/webhook/{other_webhook}")
    assert not ask.done()
    await _reply(hass, client, GRANDMA, "03 1")
    [message] = simulator.messages
    assert await ask == _answered("1", None, message.message_id)


async def _call_ask(hass: HomeAssistant, data: dict[str, Any]) -> None:
    await hass.services.async_call(
        DOMAIN, "ask", data, blocking=True, return_response=True
    )


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"answers": []}, "ask_no_answers"),
        ({"answers": ["1", " "]}, "ask_empty_answer"),
        ({"timeout": 0}, "ask_invalid_timeout"),
        ({"timeout": "00:00:00.5"}, "ask_invalid_timeout"),
        ({"timeout": {"hours": 24, "seconds": 1}}, "ask_invalid_timeout"),
        ({"recipient": [GRANDMA, UNCLE]}, "ask_one_recipient"),
        ({"recipient": f"{GRANDMA}, {UNCLE}"}, "ask_one_recipient"),
        ({"recipient": "notify.nobody"}, "ask_unknown_recipient"),
        ({"recipient": "12345"}, "invalid_phone_number"),
        ({"recipient": "+81 90 1234 5678"}, "two_way_taiwan_only"),
        ({"recipient": []}, "no_recipients"),
        ({"message": " "}, "empty_message"),
        ({"config_entry_id": "nope"}, "entry_not_found"),
    ],
)
async def test_bad_input_refused_before_any_request(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad input gets a translated validation error and sends nothing."""
    requests = len(simulator.requests)
    with pytest.raises(ServiceValidationError) as err:
        await _call_ask(hass, {"message": QUESTION, "recipient": GRANDMA, **data})
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    assert len(simulator.requests) == requests
    assert _pending(init_integration) == 0


@pytest.mark.parametrize("period", [1, "00:00:01", {"hours": 24}, "24:00:00"])
async def test_timeout_bounds_accepted(
    hass: HomeAssistant, client: Client, simulator: Simulator, period: Any
) -> None:
    """1 second and 24 hours are both allowed, in any time-period form."""
    ask = await _ask(hass, timeout=period)
    await _reply(hass, client, GRANDMA, "03 ok")
    assert (await ask or {})["answered"] is True


async def test_recipient_entity_of_other_account(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A recipient entity with another account's ID is refused."""
    with pytest.raises(ServiceValidationError) as err:
        await _call_ask(
            hass,
            {
                "message": QUESTION,
                "recipient": "notify.grandma",
                "config_entry_id": "01JSMSGETOTHER0000000000000",
            },
        )
    assert err.value.translation_key == "ask_recipient_other_account"


async def test_response_only(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The action must be called with a response variable."""
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "ask",
            {"message": QUESTION, "recipient": GRANDMA},
            blocking=True,
        )


async def test_caller_gone_during_the_send(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """An ask cancelled while its question is sent finishes the send, waits for nothing."""
    simulator.faults.append(Fault.delay(0.05))
    requests = len(simulator.requests)
    ask = hass.async_create_background_task(
        _call_ask(hass, {"message": QUESTION, "recipient": GRANDMA}), "ask"
    )
    # Until SMS-Get has the request (no time is frozen here: the delay is real).
    while len(simulator.requests) == requests:  # noqa: ASYNC110
        await asyncio.sleep(0)
    ask.cancel()
    sent = async_capture_events(hass, "sms_get_message_sent")
    await simulator.wait_idle()
    await hass.async_block_till_done()
    assert ask.cancelled()
    # The send was not cut short; nothing waits for its answer.
    assert len(sent) == 1
    assert _pending(init_integration) == 0


async def test_ask_while_stopping(
    hass: HomeAssistant, client: Client, simulator: Simulator
) -> None:
    """An ask whose question is accepted while Home Assistant stops ends at once."""
    hass.set_state(CoreState.stopping)
    try:
        response = await hass.services.async_call(
            DOMAIN,
            "ask",
            {"message": QUESTION, "recipient": GRANDMA},
            blocking=True,
            return_response=True,
        )
    finally:
        hass.set_state(CoreState.running)
    [message] = simulator.messages
    assert response == _ended("cancelled", message.message_id)
