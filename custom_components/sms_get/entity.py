"""Base entity of the SMS-Get integration."""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_NAME
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .const import DOMAIN, TOP_UP_URL
from .coordinator import SmsGetConfigEntry


def account_device_info(entry: SmsGetConfigEntry) -> DeviceInfo:
    """Describe the service device of one SMS-Get account."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=f"SMS-Get {entry.unique_id}",
        manufacturer="SMS-Get",
        model="SMS API",
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=TOP_UP_URL,
    )


def recipient_device_info(
    entry: SmsGetConfigEntry, subentry: ConfigSubentry
) -> DeviceInfo:
    """Describe the device of one recipient, named after them."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}")},
        name=subentry.data[CONF_NAME],
        manufacturer="SMS-Get",
        model="Recipient",
        entry_type=DeviceEntryType.SERVICE,
    )


class SmsGetEntity(Entity):
    """An entity of the account's device."""

    _attr_has_entity_name = True

    def __init__(
        self, entry: SmsGetConfigEntry, description: EntityDescription
    ) -> None:
        """Attach the entity to the account's device."""
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = account_device_info(entry)
