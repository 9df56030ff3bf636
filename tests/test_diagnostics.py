"""Diagnostics of SMS-Get: useful, and free of secrets and phone numbers."""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.sms_get.const import (
    CONF_CLOUDHOOK_URL,
    CONF_PHONE,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from simulator import Simulator

from .conftest import PASSWORD, USERNAME, WEBHOOK_ID

PHONE = "0912345678"


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """An account with options and a recipient."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=USERNAME,
        unique_id=USERNAME,
        data=entry_data,
        options={
            "two_way_code": "03",
            "low_credit_threshold": 100,
            "daily_point_limit": 500,
            "max_points_per_send": 20,
        },
        entry_id="01JSMSGETENTRY0000000000000",
        subentries_data=[
            ConfigSubentryData(
                data={CONF_NAME: "Mom", CONF_PHONE: PHONE},
                subentry_id="subentry_mom",
                subentry_type=SUBENTRY_RECIPIENT,
                title="Mom",
                unique_id=PHONE,
            )
        ],
    )


async def test_diagnostics(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    hass_client: Callable[..., Any],
    snapshot: SnapshotAssertion,
) -> None:
    """The entry, options, credit and spending, with every secret and number redacted."""
    # A send, so the phone number has passed through the integration.
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"message": "Hi", "recipients": [PHONE]},
        blocking=True,
        return_response=True,
    )

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    # The simulator's port changes from run to run.
    assert diagnostics["entry"]["data"]["api_url"] == simulator.url
    # Today's date changes from day to day.
    assert diagnostics["spending"]["day"] == dt_util.now().date().isoformat()
    assert diagnostics == snapshot(exclude=props("api_url", "day"))
    text = json.dumps(diagnostics)
    for secret in (PASSWORD, USERNAME, WEBHOOK_ID, PHONE, "912345678", "Mom"):
        assert secret not in text


async def test_diagnostics_while_unreachable(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    hass_client: Callable[..., Any],
) -> None:
    """The last error is there to read, without the password in it."""
    simulator.accounts[USERNAME].password = "changed"
    await init_integration.runtime_data.coordinator.async_refresh()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    assert diagnostics["coordinator"]["last_update_success"] is False
    assert "auth_failed" in diagnostics["coordinator"]["last_exception"]
    text = json.dumps(diagnostics)
    for secret in (PASSWORD, USERNAME, WEBHOOK_ID, PHONE):
        assert secret not in text


@pytest.mark.usefixtures("external_url", "simulator")
async def test_diagnostics_with_cloudhook(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client: Callable[..., Any],
) -> None:
    """A cloudhook URL is as secret as the webhook ID: redacted everywhere."""
    cloudhook = "https://hooks.nabu.casa/c0ffee5ecret"
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        data={**mock_config_entry.data, CONF_CLOUDHOOK_URL: cloudhook},
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )

    assert diagnostics["webhook_url"] == "**REDACTED**"
    assert diagnostics["entry"]["data"][CONF_CLOUDHOOK_URL] == "**REDACTED**"
    assert "c0ffee5ecret" not in json.dumps(diagnostics)
