"""The event platform of sms_get_bench: one event entity the events webhook writes.

Linked as custom_components/sms_get_bench/event.py of the benchmark's configuration
(bench/load.py). Each line reaches it through Home Assistant's dispatcher and its
state is written through Home Assistant's EventEntity, as SMS-Get's are: that is
Home Assistant's share of a callback's state writes.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util.hass_dict import HassKey

# The events webhook sends each line on this signal once the entity is added.
SIGNAL_MIRROR = "sms_get_bench_mirror"
MIRROR: HassKey[MirrorEntity] = HassKey("sms_get_bench_mirror")


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the mirror entity; the events webhook waits for it."""
    entity = hass.data[MIRROR] = MirrorEntity()
    async_add_entities([entity])


class MirrorEntity(EventEntity):
    """Shows each line the events webhook is told about, as SMS-Get's entities do."""

    _attr_name = "SMS-Get bench mirror"
    _attr_unique_id = "sms_get_bench_mirror"

    def __init__(self) -> None:
        """Take the event types of SMS-Get's entities."""
        self._attr_event_types = ["delivered", "not_delivered", "received"]

    async def async_added_to_hass(self) -> None:
        """Follow the events webhook."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, SIGNAL_MIRROR, self.async_mirror)
        )

    @callback
    def async_mirror(
        self, event_type: str, data: dict[str, Any], context: Context
    ) -> None:
        """Write one line's state, as SMS-Get's entities do for each."""
        self._trigger_event(event_type, data)
        self.async_set_context(context)
        self.async_write_ha_state()
