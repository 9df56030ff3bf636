"""Security of SMS-Get: random webhook IDs, a password that never shows, body limits.

The password here holds characters that URL and form encoding change, so a leak is
found in any of its encoded forms too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from functools import partial
import json
import logging
import secrets
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.sms_get.const import CONF_ADVANCED, CONF_API_URL, DOMAIN
from custom_components.sms_get.provider import SmsGetClient, SmsGetError
from simulator import Account, Fault, Simulator

from .common import async_time_out
from .conftest import USERNAME, WEBHOOK_ID

SECRET = "Zq9/+&= ?%#x-Pa55"
NEW_SECRET = "N3w+/&pass?=%#"
WRONG_SECRET = "wr0ng&+=/? %#pw"
SEND = "api_send.php"
MAX_BYTES = 1024 * 1024

type Client = TestClient[Any, Any]


def _forms(secret: str) -> set[str]:
    """The secret as it could appear in a log, a URL, a form body or JSON."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
    }


SECRETS = _forms(SECRET) | _forms(NEW_SECRET) | _forms(WRONG_SECRET)


def leaked(text: str) -> list[str]:
    """The forms of any of the passwords found in a text."""
    return sorted(form for form in SECRETS if form in text)


def exception_texts(err: BaseException) -> Iterator[str]:
    """Everything an exception and its causes show: messages, reprs, placeholders."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        if isinstance(current, HomeAssistantError):
            yield repr(current.translation_placeholders)
        current = current.__cause__ or current.__context__


class Witness:
    """Collects what a user, a log or a support request could see."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.texts: list[str] = []
        self.errors: list[HomeAssistantError] = []

    def saw(self, *items: Any) -> None:
        """Remember shown things (flow results, reasons, diagnostics)."""
        self.texts.extend(repr(item) for item in items)

    async def expect_error(self, call: Awaitable[Any]) -> HomeAssistantError:
        """Await a call that must fail; keep the error for the check."""
        with pytest.raises(HomeAssistantError) as exc_info:
            await call
        self.errors.append(exc_info.value)
        return exc_info.value

    def assert_no_password(self) -> None:
        """No form of any password in the log, an error or anything shown."""
        assert self.caplog.records, "nothing was logged: the check would prove nothing"
        for record in self.caplog.records:
            # The formatted line, its arguments and any traceback.
            text = self.caplog.handler.format(record)
            assert not leaked(text), text
        for err in self.errors:
            for text in exception_texts(err):
                assert not leaked(text), text
        for text in self.texts:
            assert not leaked(text), text


@pytest.fixture
def witness(caplog: pytest.LogCaptureFixture) -> Witness:
    """Every logger at debug, so the check covers every line."""
    caplog.set_level(logging.DEBUG)
    return Witness(caplog)


@pytest.fixture
def simulator(simulator: Simulator) -> Simulator:
    """The conftest's simulator, the account holding the awkward password."""
    simulator.accounts[USERNAME].password = SECRET
    return simulator


@pytest.fixture
def entry_data(entry_data: dict[str, Any]) -> dict[str, Any]:
    """Entry data with the awkward password."""
    return {**entry_data, CONF_PASSWORD: SECRET}


def _no_password_in_urls(sim: Simulator) -> None:
    """Credentials travel in POST bodies only, never in a URL's query string."""
    assert sim.requests
    for request in sim.requests:
        assert request.method == "POST"
        assert CONF_PASSWORD not in request.query
        assert not leaked(repr(request.query))


# SMS-Get keeps its answer back until the request timed out.
TIMEOUT = "timeout"
# Provider faults that each take a different error path.
FAULTS: list[Fault | str] = [
    Fault.drop(),
    TIMEOUT,
    Fault.status(500),
    Fault.html(),
    Fault.empty(),
    Fault.json("{not json"),
    Fault.json({"stats": True, "error_code": "000"}),
    *(Fault.code(f"{code:03d}") for code in range(1, 12) if code != 5),
    # Last: a refused password ends the polling until reauthentication.
    Fault.code("005"),
]


async def _with_fault[T](
    hass: HomeAssistant,
    simulator: Simulator,
    fault: Fault | str | None,
    call: Awaitable[T],
) -> T:
    """Await call with SMS-Get failing its next request that way."""
    if fault == TIMEOUT:
        return await async_time_out(hass, simulator, call)
    if isinstance(fault, Fault):
        simulator.faults.append(fault)
    return await call


@pytest.mark.usefixtures("external_url")
async def test_webhook_id_is_random_from_secrets(
    hass: HomeAssistant, simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each entry's webhook ID is at least 128 random bits drawn from secrets."""
    drawn: list[tuple[str, int]] = []

    def spy(name: str) -> Callable[..., Any]:
        original = getattr(secrets, name)

        def draw(nbytes: int | None = None) -> str:
            value: str = original(nbytes)
            drawn.append((value, nbytes))
            return value

        return draw

    for name in ("token_hex", "token_urlsafe"):
        monkeypatch.setattr(secrets, name, spy(name))
    webhook_ids = []
    for index in range(3):
        username = f"user{index}"
        simulator.accounts[username] = Account(password=SECRET, points=10)
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_USERNAME: username,
                CONF_PASSWORD: SECRET,
                CONF_ADVANCED: {CONF_API_URL: simulator.url},
            },
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        webhook_ids.append(result["result"].data[CONF_WEBHOOK_ID])
    await hass.async_block_till_done()

    assert len(set(webhook_ids)) == 3
    for webhook_id in webhook_ids:
        # The ID is exactly what secrets gave, from at least 16 random bytes.
        (nbytes,) = [nbytes for value, nbytes in drawn if value == webhook_id]
        assert nbytes is None or nbytes >= 16
        assert len(webhook_id) >= 32


@pytest.mark.usefixtures("external_url")
async def test_password_never_shown_in_flows(
    hass: HomeAssistant, simulator: Simulator, witness: Witness
) -> None:
    """Config, reauth and reconfigure flows through every error: no password shown."""
    user_input = {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: SECRET,
        CONF_ADVANCED: {CONF_API_URL: simulator.url},
    }
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    for fault in [*FAULTS, None]:
        typed = dict(user_input)
        if fault is None:
            # A wrong password last: the typed one must not show either.
            typed[CONF_PASSWORD] = WRONG_SECRET
        result = await _with_fault(
            hass,
            simulator,
            fault,
            hass.config_entries.flow.async_configure(result["flow_id"], typed),
        )
        witness.saw(result)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    # What the frontend shows of a created entry (its data stays in Home Assistant).
    witness.saw(result["title"], result["description_placeholders"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()

    # SMS-Get starts refusing the password: reauthentication, with errors on the way.
    simulator.faults.append(Fault.code("005"))
    assert not await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    witness.saw(entry.reason)
    (flow,) = entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    simulator.accounts[USERNAME].password = NEW_SECRET
    for fault in [*FAULTS[:6], None]:
        typed = {CONF_PASSWORD: WRONG_SECRET if fault is None else SECRET}
        result = await _with_fault(
            hass,
            simulator,
            fault,
            hass.config_entries.flow.async_configure(flow["flow_id"], typed),
        )
        witness.saw(result)
        assert result["errors"]
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: NEW_SECRET}
    )
    witness.saw(result["reason"], result.get("description_placeholders"))
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # Reconfigure, through errors, back to the first password.
    simulator.accounts[USERNAME].password = SECRET
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    for fault in [*FAULTS[:6], None]:
        typed = {**user_input, CONF_PASSWORD: WRONG_SECRET if fault is None else SECRET}
        result = await _with_fault(
            hass,
            simulator,
            fault,
            hass.config_entries.flow.async_configure(result["flow_id"], typed),
        )
        witness.saw(result)
        assert result["errors"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    _no_password_in_urls(simulator)
    witness.assert_no_password()


@pytest.mark.usefixtures("external_url")
async def test_password_never_shown_while_running(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    hass_client: Callable[[], Awaitable[Client]],
    witness: Witness,
) -> None:
    """Setup, polls, sends, callbacks and diagnostics through every error path."""
    # Before any HTTP client starts the server: its routes are fixed from then on.
    assert await async_setup_component(hass, "diagnostics", {})
    mock_config_entry.add_to_hass(hass)
    entry = mock_config_entry
    # Setup refused by each fault, retried, then loaded.
    for fault in FAULTS:
        await _with_fault(
            hass, simulator, fault, hass.config_entries.async_setup(entry.entry_id)
        )
        await hass.async_block_till_done()
        assert entry.state is not ConfigEntryState.LOADED
        assert not simulator.faults
        witness.saw(entry.reason)
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # The half-hourly poll failing each way (a 005 ends in reauthentication).
    async def poll() -> None:
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=31))
        await hass.async_block_till_done(wait_background_tasks=True)

    for fault in FAULTS:
        await _with_fault(hass, simulator, fault, poll())
        assert not simulator.faults
    for flow in entry.async_get_active_flows(hass, {SOURCE_REAUTH}):
        hass.config_entries.flow.async_abort(flow["flow_id"])

    # Sends failing each way, a partial send, and a refused number.
    for fault in FAULTS:
        await witness.expect_error(
            _with_fault(
                hass,
                simulator,
                fault,
                hass.services.async_call(
                    DOMAIN,
                    "send_message",
                    {"message": "Hi", "recipients": ["0912345678"]},
                    blocking=True,
                    return_response=True,
                ),
            )
        )
    simulator.faults.extend([Fault.delay(0), Fault.code("009")])
    err = await witness.expect_error(
        hass.services.async_call(
            DOMAIN,
            "send_message",
            {"message": "Hi", "recipients": [f"09{n:08d}" for n in range(300)]},
            blocking=True,
            return_response=True,
        )
    )
    assert err.translation_key == "partial_send"
    await witness.expect_error(
        hass.services.async_call(
            DOMAIN,
            "send_message",
            {"message": "Hi", "recipients": [SECRET]},
            blocking=True,
            return_response=True,
        )
    )
    witness.errors.pop()  # That error names what was typed as a number, as it must.

    # Callbacks that are refused or partly malformed.
    client = await hass_client()
    for params in (
        {},
        {"content": "garbage"},
        {"sms_id": "1", "content": "0912345678|x|bad time|DELIVRD"},
    ):
        response = await client.post(f"/api/webhook/{WEBHOOK_ID}", data=params)
        assert response.status == 400
    assert entry.state is ConfigEntryState.LOADED

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"]["data"][CONF_PASSWORD] == "**REDACTED**"
    witness.saw(json.dumps(diagnostics), entry.reason)
    assert len(witness.errors) == len(FAULTS) + 1

    _no_password_in_urls(simulator)
    witness.assert_no_password()


async def test_oversized_body_refused_before_it_is_read(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> None:
    """A callback announcing 100 MB is answered 413 with none of the body sent."""
    replies = async_capture_events(hass, "sms_get_reply_received")
    client = await hass_client_no_auth()
    assert client.host is not None
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(
            (
                f"POST /api/webhook/{WEBHOOK_ID} HTTP/1.1\r\n"
                f"Host: {client.host}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {100 * MAX_BYTES}\r\n"
                "\r\n"
            ).encode()
        )
        await writer.drain()
        # Not a byte of the body follows: only a refusal up front can answer.
        async with asyncio.timeout(5):
            status_line = await reader.readline()
    finally:
        writer.close()
    assert status_line.split()[1] == b"413"
    await hass.async_block_till_done()
    assert replies == []


def _echoes(form: str) -> list[Fault]:
    """Answers of a provider that echoes the request (its form body) anywhere it can."""
    return [
        Fault.json(form),
        Fault.json(f"<html><body>Bad request: {form}</body></html>"),
        Fault.json({"stats": False, "error_code": "001", "error_msg": form}),
        Fault.json({"stats": False, "error_code": "999", "error_msg": SECRET}),
        Fault.json({"stats": SECRET, "error_code": form}),
        Fault.json({"stats": True, "error_code": "000", "error_msg": form}),
        Fault.json({"stats": True, "error_code": "000", "error_msg": f"a|{SECRET}"}),
        Fault.json(
            {"stats": True, "error_code": "000", "error_msg": f"a|{SECRET}|{SECRET}"}
        ),
        Fault.json(
            {"stats": True, "error_code": "000", "error_msg": f"a|1|{quote(SECRET)}"}
        ),
    ]


async def test_client_error_paths_log_no_secret(
    hass: HomeAssistant, simulator: Simulator, witness: Witness
) -> None:
    """Every error of the client, provider answers echoing the request included."""
    client = SmsGetClient(
        async_get_clientsession(hass),
        USERNAME,
        SECRET,
        base_url=simulator.url,  # type: ignore[attr-defined]
        # Shorter than the delay fault, long enough for a loaded machine.
        timeout=0.5,
    )
    calls = {
        "credit": (
            client.query_credit,
            {"username": USERNAME, "password": SECRET},
        ),
        "send": (
            partial(client.send, "Hi", ["0912345678"]),
            {"username": USERNAME, "password": SECRET, "method": "1", "sms_msg": "Hi"},
        ),
    }
    for call, request in calls.values():
        for fault in [*FAULTS, *_echoes(urlencode(request)), *_echoes(str(request))]:
            simulator.faults.clear()
            simulator.faults.append(fault)
            with pytest.raises(SmsGetError) as exc_info:
                await call()
            witness.saw(*exception_texts(exc_info.value))
    await simulator.wait_idle()
    # Each answer was logged, redacted, at debug level.
    answers = [r for r in witness.caplog.records if "answered HTTP" in r.getMessage()]
    assert len(answers) > 2 * len(FAULTS)
    assert any("**REDACTED**" in r.getMessage() for r in answers)
    witness.assert_no_password()
    for record in witness.caplog.records:
        assert WEBHOOK_ID not in witness.caplog.handler.format(record)
