"""The credit and spending sensors of SMS-Get."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.sms_get.const import CREDIT_INTERVAL, DOMAIN
from simulator import Fault, Simulator
from tests.common import assert_platform_snapshot

from .conftest import USERNAME

CREDIT_SENSOR = "sensor.sms_get_hauser_credit"
CREDIT = "api_query_credit.php"


def _credit_queries(simulator: Simulator) -> int:
    return sum(request.endpoint == CREDIT for request in simulator.requests)


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let 30 minutes pass: the coordinator asks SMS-Get again."""
    freezer.tick(CREDIT_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_sensor_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The credit and spending sensors: name, unit, state class and value."""
    assert_platform_snapshot(
        hass,
        entity_registry,
        snapshot,
        config_entry_id=init_integration.entry_id,
        domain=Platform.SENSOR,
        capabilities={
            CREDIT_SENSOR: {"state_class": "measurement"},
            **{
                f"sensor.sms_get_hauser_{key}": {"state_class": "total_increasing"}
                for key in ("points_used", "points_used_today", "messages_sent")
            },
        },
    )


async def test_polled_every_30_minutes(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """The credit is asked for every 30 minutes, not before."""
    assert _credit_queries(simulator) == 1
    simulator.accounts[USERNAME].points = 750

    freezer.tick(CREDIT_INTERVAL - timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _credit_queries(simulator) == 1
    assert hass.states.get(CREDIT_SENSOR).state == "1000"

    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _credit_queries(simulator) == 2
    assert hass.states.get(CREDIT_SENSOR).state == "750"

    await _poll(hass, freezer)
    assert _credit_queries(simulator) == 3


async def test_send_sets_credit_at_once(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A send's answer carries the credit left; the sensor shows it without a poll."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "message": "The washing machine is done",
            "recipients": ["0912345678", "+886 912 000 111", "0987654321"],
        },
        blocking=True,
        return_response=True,
    )

    assert response is not None
    assert response["points_used"] == 3
    assert response["credit_remaining"] == 997
    assert hass.states.get(CREDIT_SENSOR).state == "997"
    assert simulator.accounts[USERNAME].points == 997
    assert _credit_queries(simulator) == 1


async def test_unavailable_while_unreachable(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unavailable while SMS-Get is out of reach; one log line lost, one back."""
    caplog.set_level(logging.INFO, logger="custom_components.sms_get")
    caplog.clear()

    def logged() -> list[str]:
        return [
            record.getMessage()
            for record in caplog.records
            if record.name.startswith("custom_components.sms_get")
            and record.levelno >= logging.INFO
        ]

    simulator.faults.append(Fault.status(503))
    await _poll(hass, freezer)
    assert hass.states.get(CREDIT_SENSOR).state == STATE_UNAVAILABLE
    assert logged() == [
        "Error fetching sms_get hauser data: Could not read the SMS-Get credit:"
        " SMS-Get answered HTTP 503. Home Assistant tries again in 30 minutes"
    ]

    # Still out of reach: still unavailable, nothing more in the log.
    simulator.faults.extend([Fault.drop()])
    await _poll(hass, freezer)
    assert hass.states.get(CREDIT_SENSOR).state == STATE_UNAVAILABLE
    assert len(logged()) == 1

    simulator.accounts[USERNAME].points = 990
    await _poll(hass, freezer)
    assert hass.states.get(CREDIT_SENSOR).state == "990"
    assert logged()[1:] == ["Fetching sms_get hauser data recovered"]
    assert _credit_queries(simulator) == 4
