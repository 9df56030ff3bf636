"""Sends that meet a failing provider or a Home Assistant going away.

Each fault is injected at the HTTP boundary: the simulator's own faults, and for an
answer cut off half-way a middleware in front of the simulator. Every case ends in a
clear, translated error (or the real outcome), the message is never sent twice, and
nothing is left behind: no task exception, no unclosed session, no error in the log.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
import gc
import logging
from typing import Any

from aiohttp import web
from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryDataWithId
from homeassistant.const import ATTR_ENTITY_ID, CONF_NAME, STATE_UNAVAILABLE
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sms_get.const import DOMAIN, EVENT_MESSAGE_SENT
from simulator import Account, Fault, RecordedRequest, Simulator

from .common import async_time_out
from .conftest import PASSWORD, USERNAME

SEND = "api_send.php"
PHONE = "0912345678"
RECIPIENT = "notify.mom"
CREDIT_SENSOR = "sensor.sms_get_hauser_credit"

# SMS-Get keeps its answer back until the request timed out.
TIMEOUT = "timeout"

type Caller = Callable[[HomeAssistant, str], Awaitable[dict[str, Any] | None]]


class ProviderTap:
    """A middleware in front of the simulator: sees sends arrive, cuts answers off.

    Armed, it cuts the next send's answer half-way and closes the connection. The
    simulator has taken the send by then (and charged for it): the client sees the
    headers and part of the body, as when a connection breaks mid-answer.
    """

    def __init__(self) -> None:
        self.send_arrived = asyncio.Event()
        self.armed = False
        self.cut = 0

    @web.middleware
    async def middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        if request.path == f"/{SEND}":
            self.send_arrived.set()
        response = await handler(request)
        if not self.armed or request.path != f"/{SEND}":
            return response
        self.armed = False
        assert isinstance(response, web.Response)
        assert isinstance(response.body, bytes)
        body = response.body
        partial = web.StreamResponse(status=response.status)
        partial.content_type = response.content_type
        partial.content_length = len(body)
        await partial.prepare(request)
        await partial.write(body[: len(body) // 2])
        self.cut += 1
        assert request.transport is not None
        request.transport.close()
        # As the simulator's own dropped answer: the handler ends with the connection.
        raise asyncio.CancelledError


@dataclass
class Scene:
    """The loaded entry, the provider behind it and the captured log."""

    simulator: Simulator
    tap: ProviderTap
    entry: MockConfigEntry
    caplog: pytest.LogCaptureFixture


@pytest.fixture
async def provider(
    socket_enabled: None, aiohttp_server: Callable[..., Coroutine[Any, Any, Any]]
) -> AsyncIterator[tuple[Simulator, ProviderTap]]:
    """The conftest's simulator, with the tap in front of it."""
    sim = Simulator(
        accounts={USERNAME: Account(password=PASSWORD, points=1000, two_way=True)},
        callback_delay=0.01,
    )
    tap = ProviderTap()
    sim.app.middlewares.append(tap.middleware)
    server = await aiohttp_server(sim.app)
    sim.url = str(server.make_url("")).rstrip("/")
    yield sim, tap
    await sim.close()


@pytest.fixture
def simulator(provider: tuple[Simulator, ProviderTap]) -> Simulator:
    """The simulator the entry points at."""
    return provider[0]


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The account hauser with one recipient, Mom."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=USERNAME,
        unique_id=USERNAME,
        data=entry_data,
        entry_id="01JSMSGETENTRY0000000000000",
        subentries_data=[
            ConfigSubentryDataWithId(
                data={CONF_NAME: "Mom", "phone": PHONE},
                subentry_id="01JSUBENTRYMOM000000000000",
                subentry_type="recipient",
                title="Mom",
                unique_id=PHONE,
            )
        ],
    )


@pytest.fixture
async def scene(
    hass: HomeAssistant,
    provider: tuple[Simulator, ProviderTap],
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    external_url: str,
) -> Scene:
    """The entry set up, every logger at debug."""
    caplog.set_level(logging.DEBUG)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return Scene(*provider, mock_config_entry, caplog)


async def _action(hass: HomeAssistant, message: str) -> dict[str, Any] | None:
    return await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"message": message, "recipients": [PHONE]},
        blocking=True,
        return_response=True,
    )


async def _legacy_notify(hass: HomeAssistant, message: str) -> dict[str, Any] | None:
    await hass.services.async_call(
        NOTIFY_DOMAIN, DOMAIN, {"message": message, "target": [PHONE]}, blocking=True
    )
    return None


async def _recipient(hass: HomeAssistant, message: str) -> dict[str, Any] | None:
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        "send_message",
        {ATTR_ENTITY_ID: RECIPIENT, "message": message},
        blocking=True,
    )
    return None


CALLERS = pytest.mark.parametrize(
    "caller",
    [_action, _legacy_notify, _recipient],
    ids=["action", "legacy_notify", "recipient_entity"],
)


def sends(sim: Simulator) -> list[RecordedRequest]:
    """The send requests the simulator received."""
    return [request for request in sim.requests if request.endpoint == SEND]


def assert_clean_log(caplog: pytest.LogCaptureFixture) -> None:
    """No error, no lost task exception, no unclosed session or connector."""
    # Unclosed sessions and never-retrieved exceptions are reported on collection.
    gc.collect()
    problems = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR
        or "never retrieved" in record.getMessage()
        or "Unclosed" in record.getMessage()
        or "still running" in record.getMessage()
    ]
    assert problems == []


async def _assert_recovers(
    hass: HomeAssistant, simulator: Simulator, caller: Caller
) -> None:
    """The next send through the same caller goes out once."""
    before = len(sends(simulator))
    await caller(hass, "Back to normal")
    assert len(sends(simulator)) == before + 1
    assert simulator.messages[-1].text == "Back to normal"


@dataclass(frozen=True)
class FaultCase:
    """A broken answer and the error it must give."""

    # None: the answer is cut off half-way by the tap.
    # None: the answer cut off half-way.
    fault: Fault | str | None
    translation_key: str
    detail: str
    # Whether the provider took the message before the fault.
    applied: bool


FAULTS = pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            FaultCase(
                None,
                "outcome_unknown",
                "No answer from SMS-Get at {url} after the request was sent",
                True,
            ),
            id="closed_mid_answer",
        ),
        pytest.param(
            FaultCase(
                Fault.drop(),
                "outcome_unknown",
                "No answer from SMS-Get at {url} after the request was sent",
                False,
            ),
            id="closed_before_answer",
        ),
        pytest.param(
            FaultCase(
                Fault.status(500),
                "unexpected_answer",
                "SMS-Get answered HTTP 500",
                False,
            ),
            id="http_500",
        ),
        pytest.param(
            FaultCase(
                Fault.html(), "unexpected_answer", "SMS-Get's answer is not JSON", False
            ),
            id="html",
        ),
        pytest.param(
            FaultCase(
                Fault.empty(),
                "unexpected_answer",
                "SMS-Get's answer is not JSON",
                False,
            ),
            id="empty_body",
        ),
        pytest.param(
            FaultCase(
                TIMEOUT,
                "outcome_unknown",
                "No answer from SMS-Get at {url} after the request was sent",
                False,
            ),
            id="answer_after_40s",
        ),
    ],
)

WORDING = {
    "outcome_unknown": (
        "SMS-Get did not answer after the message was sent ({detail}), so it may or"
        " may not have gone out. Nothing was re-sent; check the credit or the"
        " delivery reports before sending again."
    ),
    "unexpected_answer": (
        "SMS-Get gave an answer that is not its usual one ({detail}). The message may"
        " not have been sent; nothing was re-sent. Try again later."
    ),
}


@FAULTS
@CALLERS
async def test_send_fault(
    hass: HomeAssistant, scene: Scene, caller: Caller, case: FaultCase
) -> None:
    """A broken answer: a translated error, one request only, then back to normal."""
    simulator = scene.simulator
    events = async_capture_events(hass, EVENT_MESSAGE_SENT)
    call = caller(hass, "Storm warning")
    if case.fault is None:
        scene.tap.armed = True
    elif case.fault == TIMEOUT:
        call = async_time_out(hass, simulator, call)
    else:
        simulator.faults.append(case.fault)

    with pytest.raises(HomeAssistantError) as exc_info:
        await call

    err = exc_info.value
    assert not isinstance(err, ServiceValidationError)
    assert err.translation_domain == DOMAIN
    assert err.translation_key == case.translation_key
    detail = case.detail.format(url=simulator.url)
    assert err.translation_placeholders == {"error": detail}
    # Home Assistant drops the final full stop of an exception message.
    wording = WORDING[case.translation_key].format(detail=detail)
    assert str(err) == wording.rstrip(".")
    # One request, never repeated; the provider took it only where it answered.
    assert len(sends(simulator)) == 1
    assert [m.text for m in simulator.messages] == (
        ["Storm warning"] if case.applied else []
    )
    assert scene.tap.cut == (1 if case.fault is None else 0)
    assert events == []
    assert scene.entry.state is ConfigEntryState.LOADED
    # The credit is the polled one: no answer, no new credit.
    assert hass.states.get(CREDIT_SENSOR).state == "1000"

    await _assert_recovers(hass, simulator, caller)
    assert len(events) == 1
    assert_clean_log(scene.caplog)


@pytest.mark.parametrize(
    ("caller", "refusal"),
    [
        # The action names the missing account.
        (_action, "no_loaded_entry"),
        # The account's legacy service is gone with it.
        (_legacy_notify, "service_not_found"),
        # The recipient's entity stays, unavailable: Home Assistant calls nothing.
        (_recipient, None),
    ],
    ids=["action", "legacy_notify", "recipient_entity"],
)
async def test_unloaded_while_sending(
    hass: HomeAssistant, scene: Scene, caller: Caller, refusal: str | None
) -> None:
    """An unload does not cut a send short: it ends with its real outcome, once."""
    simulator, entry = scene.simulator, scene.entry
    events = async_capture_events(hass, EVENT_MESSAGE_SENT)
    # Long enough to unload meanwhile, well within the request timeout.
    simulator.faults.append(Fault.delay(0.3))
    task = hass.async_create_task(caller(hass, "In flight"))
    await scene.tap.send_arrived.wait()

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not task.done()
    response = await task
    await hass.async_block_till_done()

    (message,) = simulator.messages
    assert message.text == "In flight"
    assert len(sends(simulator)) == 1
    if response is not None:
        assert response["messages"][0]["message_id"] == message.message_id
    assert [event.data["message_id"] for event in events] == [message.message_id]

    # Once unloaded, a send is refused up front, translated.
    if refusal is None:
        await caller(hass, "After unload")
        assert hass.states.get(RECIPIENT).state == STATE_UNAVAILABLE
    else:
        with pytest.raises(HomeAssistantError) as exc_info:
            await caller(hass, "After unload")
        assert exc_info.value.translation_key == refusal
    assert len(sends(simulator)) == 1
    assert_clean_log(scene.caplog)


@pytest.mark.parametrize("via", ["action_call", "script"])
async def test_home_assistant_stops_while_sending(
    hass: HomeAssistant, scene: Scene, via: str
) -> None:
    """Home Assistant stopping mid-send waits for it: nothing lost, nothing re-sent.

    The send runs shielded from its caller (a script is cancelled at the stop event)
    and Home Assistant's first shutdown stage waits for it, so SMS-Get's answer still
    updates the credit and fires the event.
    """
    simulator = scene.simulator
    simulator.faults.append(Fault.delay(0.3))
    sent_events = async_capture_events(hass, "sms_get_message_sent")
    data = {"message": "Goodnight", "recipients": [PHONE]}
    task: asyncio.Task[Any] | None = None
    if via == "script":
        assert await async_setup_component(
            hass,
            "script",
            {
                "script": {
                    "goodnight": {
                        "sequence": [{"action": f"{DOMAIN}.send_message", "data": data}]
                    }
                }
            },
        )
        await hass.services.async_call(
            "script", "turn_on", {ATTR_ENTITY_ID: "script.goodnight"}, blocking=True
        )
    else:
        task = hass.async_create_task(
            hass.services.async_call(
                DOMAIN, "send_message", data, blocking=True, return_response=True
            )
        )
    await scene.tap.send_arrived.wait()

    async with asyncio.timeout(5):
        await hass.async_stop()
    assert hass.state is CoreState.stopped
    if task is not None:
        # Home Assistant waited for the send, so the call got SMS-Get's answer.
        assert task.done()
        assert not task.cancelled()
        assert task.result()["recipients"] == 1

    # The provider finishes what it took; nothing came twice.
    await simulator.wait_idle()
    assert [message.text for message in simulator.messages] == ["Goodnight"]
    assert len(sends(simulator)) == 1
    # Home Assistant waited for the send: its answer was not lost.
    assert [event.data["recipients"] for event in sent_events] == [[PHONE]]
    assert not [
        record.getMessage()
        for record in scene.caplog.records
        if "still running" in record.getMessage()
    ]
    gc.collect()
    assert not [
        record.getMessage()
        for record in scene.caplog.records
        if record.levelno >= logging.ERROR
        or "never retrieved" in record.getMessage()
        or "Unclosed" in record.getMessage()
    ]
