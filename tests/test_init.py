"""Setup, retry, unload and reload of SMS-Get."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
import socket
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.sms_get.const import CONF_API_URL, EVENT_REPLY_RECEIVED
from simulator import Fault, Simulator

from .common import async_time_out
from .conftest import WEBHOOK_ID

CREDIT_SENSOR = "sensor.sms_get_hauser_credit"


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """The entry loads, shows the credit, and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    state = hass.states.get("sensor.sms_get_hauser_credit")
    assert state is not None
    assert state.state == "1000"
    assert hass.services.has_service("notify", "sms_get")
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert not hass.services.has_service("notify", "sms_get")


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.drop(), "No answer from SMS-Get at {url}"),
        (None, "No answer from SMS-Get at {url}"),
        (Fault.status(502), "SMS-Get answered HTTP 502"),
        (Fault.html(), "SMS-Get's answer is not JSON"),
        (Fault.empty(), "SMS-Get's answer is not JSON"),
    ],
    ids=["dropped", "timeout", "http_502", "html", "empty"],
)
async def test_setup_retry(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    fault: Fault | None,
    error: str,
) -> None:
    """SMS-Get out of reach: setup is retried with a translated reason, then loads."""
    mock_config_entry.add_to_hass(hass)
    setup = hass.config_entries.async_setup(mock_config_entry.entry_id)
    if fault is None:  # no answer within the request timeout
        assert not await async_time_out(hass, simulator, setup)
    else:
        simulator.faults.append(fault)
        assert not await setup
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.reason == (
        f"Could not reach SMS-Get: {error.format(url=simulator.url)}."
        " Home Assistant retries by itself"
    )
    assert not list(mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert hass.states.get(CREDIT_SENSOR) is None

    # No freezer here: a frozen clock would stop the request timeout too.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1))
    await hass.async_block_till_done(wait_background_tasks=True)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(CREDIT_SENSOR).state == "1000"


@pytest.mark.usefixtures("external_url", "simulator")
async def test_setup_retry_connection_refused(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Nothing listening at the API URL: the reason names the address, not the password."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_API_URL: url}
    )

    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.reason == (
        f"Could not reach SMS-Get: Cannot connect to SMS-Get at {url}."
        " Home Assistant retries by itself"
    )


@pytest.mark.usefixtures("external_url")
async def test_setup_auth_failed(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    """A refused password is not retried: setup fails and reauthentication starts."""
    simulator.faults.append(Fault.code("005"))
    mock_config_entry.add_to_hass(hass)

    assert not await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert mock_config_entry.reason == (
        "SMS-Get did not accept the password (code 005)."
        " Enter the current password in the reauthentication dialog"
    )
    flows = list(mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert [flow["step_id"] for flow in flows] == ["reauth_confirm"]
    assert len(simulator.requests) == 1


async def test_reload_keeps_webhook(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[..., Any],
) -> None:
    """The webhook goes away on unload and comes back at the same URL on reload."""
    replies = async_capture_events(hass, EVENT_REPLY_RECEIVED)
    client: TestClient = await hass_client_no_auth()

    async def reply(text: str) -> str:
        response = await client.post(
            f"/api/webhook/{WEBHOOK_ID}",
            data={"content": f"0912345678|59c4e123|2026-01-01 21:08:07|{text}"},
        )
        assert response.status == HTTPStatus.OK
        await hass.async_block_till_done()
        return await response.text()

    assert await reply("first") == "ok"

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    # Home Assistant answers an unknown webhook with an empty 200: nobody took it.
    assert await reply("while unloaded") == ""
    assert hass.states.get(CREDIT_SENSOR).state == "unavailable"

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.data["webhook_id"] == WEBHOOK_ID
    assert await reply("second") == "ok"
    assert hass.states.get(CREDIT_SENSOR).state == "1000"

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert await reply("third") == "ok"
    assert [event.data["text"] for event in replies] == ["first", "second", "third"]
    assert hass.services.has_service("notify", "sms_get")
