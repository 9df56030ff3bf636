"""Keep the webhook IDs of SMS-Get entries out of Home Assistant's own log lines."""

from __future__ import annotations

import logging

from homeassistant.const import EVENT_HOMEASSISTANT_CLOSE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

# Loggers that name the webhook ID or its path for every request they serve.
LOGGERS = (
    "homeassistant.components.webhook",
    "homeassistant.helpers.http",
    "aiohttp.access",
)
REDACTED = "**REDACTED**"
DATA_LOG_FILTER: HassKey[WebhookIdFilter] = HassKey(f"{DOMAIN}_log_filter")


class WebhookIdFilter(logging.Filter):
    """Redact this integration's webhook IDs in a log record."""

    def __init__(self) -> None:
        """Start with no webhook ID to redact."""
        super().__init__()
        self.webhook_ids: set[str] = set()

    def _redact(self, text: str) -> str:
        for webhook_id in self.webhook_ids:
            if webhook_id in text:
                text = text.replace(webhook_id, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace each of our webhook IDs by a placeholder; drop nothing."""
        if not self.webhook_ids:
            return True
        if isinstance(record.msg, str):
            record.msg = self._redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                self._redact(arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


@callback
def async_setup_log_filter(hass: HomeAssistant) -> None:
    """Attach the filter to those loggers while Home Assistant runs."""
    log_filter = hass.data[DATA_LOG_FILTER] = WebhookIdFilter()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    for logger in loggers:
        logger.addFilter(log_filter)

    @callback
    def _remove(_: Event) -> None:
        for logger in loggers:
            logger.removeFilter(log_filter)

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_CLOSE, _remove)


@callback
def async_redact_webhook_id(hass: HomeAssistant, webhook_id: str) -> None:
    """Redact one entry's webhook ID from now on."""
    hass.data[DATA_LOG_FILTER].webhook_ids.add(webhook_id)


@callback
def async_unredact_webhook_id(hass: HomeAssistant, webhook_id: str) -> None:
    """Stop redacting a webhook ID that is no longer registered."""
    hass.data[DATA_LOG_FILTER].webhook_ids.discard(webhook_id)
