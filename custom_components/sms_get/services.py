"""Actions of the SMS-Get integration."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_MESSAGE,
    ATTR_RECIPIENTS,
    ATTR_SCHEDULE,
    ATTR_TWO_WAY,
    DOMAIN,
)
from .coordinator import SmsGetConfigEntry
from .messaging import async_send, estimate_response, validate
from .schema import vol

SERVICE_SEND_MESSAGE = "send_message"
SERVICE_ESTIMATE = "estimate"

# Checks of content happen in validate(), so they get translated, named errors.
_RECIPIENTS = vol.All(cv.ensure_list, [cv.string])
SEND_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Required(ATTR_RECIPIENTS): _RECIPIENTS,
        vol.Optional(ATTR_SCHEDULE): cv.datetime,
        vol.Optional(ATTR_TWO_WAY, default=False): cv.boolean,
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
    }
)
ESTIMATE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Required(ATTR_RECIPIENTS): _RECIPIENTS,
        vol.Optional(ATTR_TWO_WAY, default=False): cv.boolean,
    }
)


def async_get_entry(hass: HomeAssistant, entry_id: str | None) -> SmsGetConfigEntry:
    """The account an action is for: the one named, or the only one."""
    if entry_id is not None:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_found",
                translation_placeholders={"entry_id": entry_id},
            )
        if entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_loaded",
                translation_placeholders={"title": entry.title},
            )
        return entry
    entries = hass.config_entries.async_loaded_entries(DOMAIN)
    if not entries:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_loaded_entry"
        )
    if len(entries) > 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="entry_required"
        )
    return entries[0]


async def _async_send_message(call: ServiceCall) -> ServiceResponse:
    entry = async_get_entry(call.hass, call.data.get(ATTR_CONFIG_ENTRY_ID))
    outgoing = validate(
        call.data[ATTR_MESSAGE],
        call.data[ATTR_RECIPIENTS],
        two_way=call.data[ATTR_TWO_WAY],
        schedule=call.data.get(ATTR_SCHEDULE),
    )
    response = await async_send(call.hass, entry, outgoing)
    return response if call.return_response else None


async def _async_estimate(call: ServiceCall) -> ServiceResponse:
    outgoing = validate(
        call.data[ATTR_MESSAGE],
        call.data[ATTR_RECIPIENTS],
        two_way=call.data[ATTR_TWO_WAY],
    )
    return estimate_response(outgoing)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once for all accounts."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_MESSAGE,
        _async_send_message,
        schema=SEND_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_ESTIMATE,
        _async_estimate,
        schema=ESTIMATE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
