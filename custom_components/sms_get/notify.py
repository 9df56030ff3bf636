"""Notify of the SMS-Get integration: a legacy service per account, an entity per recipient."""

from __future__ import annotations

from typing import Any

from homeassistant.components.notify import NotifyEntity
from homeassistant.components.notify.const import ATTR_DATA, ATTR_TARGET, ATTR_TITLE
from homeassistant.components.notify.legacy import BaseNotificationService
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

try:  # Home Assistant 2026 defines it in const, 2025 in the package
    from homeassistant.components.notify.const import NotifyEntityFeature  # type: ignore[attr-defined, unused-ignore]
except ImportError:
    from homeassistant.components.notify import NotifyEntityFeature  # type: ignore[attr-defined, no-redef, unused-ignore]

from .const import ATTR_SCHEDULE, ATTR_TWO_WAY, CONF_PHONE, DOMAIN, SUBENTRY_RECIPIENT
from .coordinator import SmsGetConfigEntry
from .entity import recipient_device_info
from .messaging import async_send, validate
from .schema import vol

PARALLEL_UPDATES = 0

_SET_UP = (ConfigEntryState.SETUP_IN_PROGRESS, ConfigEntryState.LOADED)

NOTIFY_DATA_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_SCHEDULE): cv.datetime,
        vol.Optional(ATTR_TWO_WAY, default=False): cv.boolean,
    }
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One notify entity per recipient, each on its own device, kept as they change."""
    added: set[str] = set()

    async def async_sync(hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
        # A removed recipient's entity and device go with its subentry.
        recipients = {
            subentry_id: subentry
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_RECIPIENT
        }
        added.intersection_update(recipients)
        for subentry_id, subentry in recipients.items():
            if subentry_id not in added:
                added.add(subentry_id)
                async_add_entities(
                    [SmsGetRecipientEntity(entry, subentry)],
                    config_subentry_id=subentry_id,
                )
        # A renamed recipient: its device (and so its entity) takes the new name.
        device_registry = dr.async_get(hass)
        for device in dr.async_entries_for_config_entry(
            device_registry, entry.entry_id
        ):
            for domain, identifier in device.identifiers:
                subentry_id = identifier.removeprefix(f"{entry.entry_id}_")
                if (
                    domain == DOMAIN
                    and (renamed := recipients.get(subentry_id))
                    and device.name != renamed.data[CONF_NAME]
                ):
                    device_registry.async_update_device(
                        device.id, name=renamed.data[CONF_NAME]
                    )

    await async_sync(hass, entry)
    entry.async_on_unload(entry.add_update_listener(async_sync))


class SmsGetRecipientEntity(NotifyEntity):
    """Texts one recipient."""

    _attr_has_entity_name = True
    _attr_name = None
    _attr_translation_key = "recipient"
    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(self, entry: SmsGetConfigEntry, subentry: ConfigSubentry) -> None:
        """Attach to the recipient's own device."""
        self._entry = entry
        self._subentry_id = subentry.subentry_id
        self._attr_unique_id = f"{entry.entry_id}_{subentry.subentry_id}"
        self._attr_device_info = recipient_device_info(entry, subentry)

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send the message (the title, when given, goes first)."""
        text = f"{title}\n{message}" if title else message
        # Read at use: the recipient's number can change without a reload.
        phone = self._entry.subentries[self._subentry_id].data[CONF_PHONE]
        await async_send(self.hass, self._entry, validate(text, [phone]))


async def async_get_service(
    hass: HomeAssistant,
    config: ConfigType,
    discovery_info: DiscoveryInfoType | None = None,
) -> BaseNotificationService | None:
    """Return the legacy notify.sms_get service of one account."""
    if discovery_info is None:
        return None
    entry: SmsGetConfigEntry | None = hass.config_entries.async_get_entry(
        discovery_info["entry_id"]
    )
    # The platform loads while the entry finishes its setup; gone if unloaded since.
    if entry is None or entry.state not in _SET_UP:
        return None
    service = SmsGetNotificationService(entry)
    # Unloading the account removes its own service, not the others' of notify.
    entry.async_on_unload(service.async_unregister_services)
    return service


class SmsGetNotificationService(BaseNotificationService):
    """notify.sms_get: message, target numbers, data {schedule, two_way}."""

    def __init__(self, entry: SmsGetConfigEntry) -> None:
        """Send through this account."""
        self._entry = entry

    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        """Send to the target numbers."""
        data = kwargs.get(ATTR_DATA) or {}
        try:
            options = NOTIFY_DATA_SCHEMA(data)
        except vol.Invalid as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_notify_data",
                translation_placeholders={"error": str(err)},
            ) from err
        if title := kwargs.get(ATTR_TITLE):
            message = f"{title}\n{message}"
        outgoing = validate(
            message,
            kwargs.get(ATTR_TARGET),
            two_way=options[ATTR_TWO_WAY],
            schedule=options.get(ATTR_SCHEDULE),
        )
        await async_send(self.hass, self._entry, outgoing)
