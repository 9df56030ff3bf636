"""The SMS-Get integration."""

from __future__ import annotations

from homeassistant.const import CONF_NAME, CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    discovery,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from .asks import AskManager, async_cancel_asks_at_stop
from .assist import async_assist_options_updated, async_remove_assist
from .client import create_client
from .const import CONF_CLOUDHOOK_URL, DOMAIN, ENTRY_ISSUES, entry_issue_id
from .coordinator import SmsGetConfigEntry, SmsGetCoordinator, SmsGetData
from .log_filter import (
    async_redact_webhook_id,
    async_setup_log_filter,
    async_unredact_webhook_id,
)
from .messaging import async_wait_for_sends_at_shutdown
from .services import async_setup_services
from .spending import async_remove_spending, async_setup_spending
from .webhook import (
    async_create_cloudhook,
    async_delete_cloudhook,
    async_setup_entry_webhook,
)

PLATFORMS: list[Platform] = [Platform.EVENT, Platform.NOTIFY, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions."""
    async_setup_services(hass)
    async_wait_for_sends_at_shutdown(hass)
    async_setup_log_filter(hass)
    async_cancel_asks_at_stop(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmsGetConfigEntry) -> bool:
    """Set up one SMS-Get account."""
    client = create_client(hass, entry.data)
    coordinator = SmsGetCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = SmsGetData(client, coordinator, AskManager(hass, entry))
    entry.async_on_unload(entry.runtime_data.asks.async_cancel_all)
    await async_setup_spending(hass, entry)

    if CONF_CLOUDHOOK_URL not in entry.data and (
        url := await async_create_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
    ):
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_CLOUDHOOK_URL: url}
        )

    webhook_id = entry.data[CONF_WEBHOOK_ID]
    async_redact_webhook_id(hass, webhook_id)
    entry.async_on_unload(lambda: async_unredact_webhook_id(hass, webhook_id))
    async_setup_entry_webhook(hass, entry, f"SMS-Get {client.username}")

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # The legacy notify service (notify.sms_get) is a discovery platform of notify.
    single = len(hass.config_entries.async_entries(DOMAIN, include_disabled=False)) == 1
    hass.async_create_task(
        discovery.async_load_platform(
            hass,
            Platform.NOTIFY,
            DOMAIN,
            {
                CONF_NAME: DOMAIN if single else f"{DOMAIN}_{client.username}",
                "entry_id": entry.entry_id,
            },
            {},
        )
    )
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    return True


async def _async_update_listener(hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
    """Apply changed options in place: the others are read when they are used."""
    coordinator = entry.runtime_data.coordinator
    coordinator.async_check_low_credit(coordinator.data)
    async_assist_options_updated(hass, entry)


async def async_unload_entry(hass: HomeAssistant, entry: SmsGetConfigEntry) -> bool:
    """Unload an account."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
    """Delete the cloudhook, the counts and the repairs of a removed account."""
    await async_remove_spending(hass, entry)
    async_remove_assist(hass, entry)
    for issue in ENTRY_ISSUES:
        ir.async_delete_issue(hass, DOMAIN, entry_issue_id(issue, entry.entry_id))
    if CONF_CLOUDHOOK_URL in entry.data:
        await async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
