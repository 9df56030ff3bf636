"""Event entities of the SMS-Get integration, mirroring the callback events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import (
    EVENT_DELIVERY_REPORT,
    EVENT_REPLY_RECEIVED,
    SUBENTRY_RECIPIENT,
    signal_callback,
    signal_recipient_reply,
)
from .coordinator import SmsGetConfigEntry
from .entity import SmsGetEntity, recipient_device_info

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmsGetEventDescription(EventEntityDescription):
    """Which bus event an entity mirrors."""

    bus_event: str


DESCRIPTIONS = (
    SmsGetEventDescription(
        key="delivery_report",
        translation_key="delivery_report",
        event_types=["delivered", "not_delivered"],
        bus_event=EVENT_DELIVERY_REPORT,
    ),
    SmsGetEventDescription(
        key="reply",
        translation_key="reply",
        event_types=["received"],
        bus_event=EVENT_REPLY_RECEIVED,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's event entities and a reply entity per recipient.

    Recipients added later get theirs at once; a removed recipient's entity goes
    with its subentry.
    """
    async_add_entities(
        SmsGetEventEntity(entry, description) for description in DESCRIPTIONS
    )
    added: set[str] = set()

    async def async_sync(hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
        recipients = {
            subentry_id
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_RECIPIENT
        }
        added.intersection_update(recipients)
        for subentry_id in recipients - added:
            added.add(subentry_id)
            async_add_entities(
                [SmsGetRecipientReplyEntity(entry, entry.subentries[subentry_id])],
                config_subentry_id=subentry_id,
            )

    await async_sync(hass, entry)
    entry.async_on_unload(entry.add_update_listener(async_sync))


class SmsGetEventEntity(SmsGetEntity, EventEntity):
    """Shows the latest callback line of one kind."""

    entity_description: SmsGetEventDescription

    def __init__(
        self, entry: SmsGetConfigEntry, description: SmsGetEventDescription
    ) -> None:
        """Listen to this entry's callbacks."""
        super().__init__(entry, description)
        self._entry_id = entry.entry_id

    async def async_added_to_hass(self) -> None:
        """Follow the webhook."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                signal_callback(self._entry_id, self.entity_description.bus_event),
                self._async_handle,
            )
        )

    @callback
    def _async_handle(
        self, event_type: str, data: dict[str, Any], context: Context
    ) -> None:
        self._trigger_event(event_type, data)
        self.async_set_context(context)
        self.async_write_ha_state()


class SmsGetRecipientReplyEntity(EventEntity):
    """Shows each reply from one recipient's phone."""

    _attr_has_entity_name = True
    _attr_translation_key = "reply"

    def __init__(self, entry: SmsGetConfigEntry, subentry: ConfigSubentry) -> None:
        """Attach to the recipient's device."""
        self._attr_event_types = ["received"]
        # By subentry, not phone: the webhook finds the recipient by the current number.
        self._signal = signal_recipient_reply(entry.entry_id, subentry.subentry_id)
        self._attr_unique_id = f"{entry.entry_id}_{subentry.subentry_id}_reply"
        self._attr_device_info = recipient_device_info(entry, subentry)

    async def async_added_to_hass(self) -> None:
        """Follow the replies from the recipient's phone."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, self._signal, self._async_handle)
        )

    @callback
    def _async_handle(self, data: dict[str, Any], context: Context) -> None:
        self._trigger_event("received", data)
        self.async_set_context(context)
        self.async_write_ha_state()
