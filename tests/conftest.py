"""Fixtures: a Home Assistant with SMS-Get set up against a local simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.sms_get.const import DOMAIN
from simulator import Account, Simulator

USERNAME = "hauser"
PASSWORD = "s3cret-Pa55"
WEBHOOK_ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
EXTERNAL_URL = "https://ha.example.com"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot format, kept in tests/snapshots/."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load the integration from custom_components."""


@pytest.fixture
async def simulator(
    socket_enabled: None,
    aiohttp_server: Callable[..., Coroutine[Any, Any, Any]],
) -> AsyncIterator[Simulator]:
    """SMS-Get on loopback, with account hauser holding 1000 points."""
    sim = Simulator(
        accounts={USERNAME: Account(password=PASSWORD, points=1000, two_way=True)},
        callback_delay=0.01,
    )
    server = await aiohttp_server(sim.app)
    sim.url = str(server.make_url("")).rstrip("/")
    yield sim
    await sim.close()


@pytest.fixture
def entry_data(simulator: Simulator) -> dict[str, Any]:
    """Entry data pointing at the simulator."""
    return {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: PASSWORD,
        "api_url": simulator.url,
        CONF_WEBHOOK_ID: WEBHOOK_ID,
    }


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """An SMS-Get entry, not yet added."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=USERNAME,
        unique_id=USERNAME,
        data=entry_data,
        entry_id="01JSMSGETENTRY0000000000000",
    )


@pytest.fixture
async def external_url(hass: HomeAssistant) -> str:
    """Give Home Assistant an external URL, as most installs reachable by SMS-Get have."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})
    return EXTERNAL_URL


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, external_url: str
) -> MockConfigEntry:
    """Set up the entry against the simulator."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry
