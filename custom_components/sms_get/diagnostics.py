"""Diagnostics of the SMS-Get integration."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant

from .const import CONF_CLOUDHOOK_URL, CONF_PHONE
from .coordinator import SmsGetConfigEntry
from .spending import async_get_spending
from .webhook import async_webhook_state, async_webhook_url

TO_REDACT = {
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
    CONF_CLOUDHOOK_URL,
    CONF_PHONE,
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmsGetConfigEntry
) -> dict[str, Any]:
    """Entry, options, recipients, credit and spending, without secrets or numbers."""
    coordinator = entry.runtime_data.coordinator
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    url = async_webhook_url(hass, dict(entry.data))
    if CONF_CLOUDHOOK_URL in entry.data:
        url = "**REDACTED**"
    return {
        "entry": async_redact_data(
            {
                "title": "**REDACTED**",
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            TO_REDACT,
        ),
        "webhook_url": url.replace(webhook_id, "**REDACTED**"),
        "subentries": len(entry.subentries),
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "last_exception": repr(coordinator.last_exception)
            if coordinator.last_exception
            else None,
            "credit": coordinator.data,
            "update_interval": str(coordinator.update_interval),
        },
        "recent_callback_lines": len(async_webhook_state(hass).recent),
        "spending": async_get_spending(hass, entry).diagnostics(),
    }
