"""Describe SMS-Get's Assist requests in the logbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.translation import async_get_cached_translations

from .const import DOMAIN, EVENT_ASSIST


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[
        [str, str, Callable[[Event[dict[str, Any]]], dict[str, str]]], None
    ],
) -> None:
    """Describe the sms_get_assist event: "Grandma asked Assist: …"."""

    @callback
    def async_describe_assist(event: Event[dict[str, Any]]) -> dict[str, str]:
        data = event.data
        error = data.get("error")
        # The logbook takes finished text: the message is written in Home
        # Assistant's language here. Its strings live with the exception messages,
        # the backend translations Home Assistant keeps loaded.
        key = f"logbook_assist_{error}" if error else "logbook_assist"
        translations = async_get_cached_translations(
            hass, hass.config.language, "exceptions", DOMAIN
        )
        text = str(data.get("text", ""))
        if template := translations.get(f"component.{DOMAIN}.exceptions.{key}.message"):
            message = template.format(text=text)
        else:
            message = f"asked Assist: {text}" + (f" ({error})" if error else "")
        return {
            LOGBOOK_ENTRY_NAME: str(data.get("recipient") or data.get("phone")),
            LOGBOOK_ENTRY_MESSAGE: message,
        }

    async_describe_event(DOMAIN, EVENT_ASSIST, async_describe_assist)
