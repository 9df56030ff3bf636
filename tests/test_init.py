"""Setup and unload of SMS-Get."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator


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
