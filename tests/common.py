"""Helpers shared by the test modules."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.sms_get.provider import DEFAULT_TIMEOUT
from simulator import Fault, Simulator


def assert_platform_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    *,
    config_entry_id: str,
    domain: str,
    capabilities: dict[str, dict[str, Any]],
) -> None:
    """As snapshot_platform, for one platform and alike on both Home Assistant lines.

    2026 adds registry fields and keys capabilities and attributes by StrEnum, so those
    are compared directly: `capabilities` maps each entity ID to what it must have.
    """
    entries = [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, config_entry_id)
        if entry.domain == domain
    ]
    assert sorted(entry.entity_id for entry in entries) == sorted(capabilities)
    for entry in entries:
        assert entry == snapshot(
            name=f"{entry.entity_id}-entry",
            exclude=props(
                "aliases", "capabilities", "object_id_base", "suggested_object_id"
            ),
        )
        assert entry.capabilities == capabilities[entry.entity_id]
        assert entry.disabled_by is None
        state = hass.states.get(entry.entity_id)
        assert state is not None
        assert {
            "state": state.state,
            "attributes": {str(key): value for key, value in state.attributes.items()},
        } == snapshot(name=f"{entry.entity_id}-state")


async def async_time_out[T](
    hass: HomeAssistant, simulator: Simulator, call: Awaitable[T]
) -> T:
    """Await call while SMS-Get keeps its next answer back past the request timeout.

    The client's timer is fired through Home Assistant's test clock: the request times
    out as after DEFAULT_TIMEOUT seconds, without the test waiting for them.
    """
    simulator.faults.append(Fault.delay(2 * DEFAULT_TIMEOUT))
    sent = len(simulator.requests)
    task = asyncio.ensure_future(call)
    # The simulator records requests as they arrive; it has no event to wait on.
    while len(simulator.requests) == sent and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=DEFAULT_TIMEOUT + 1)
    )
    return await task
