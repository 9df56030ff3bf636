"""Actions of the SMS-Get integration."""

from __future__ import annotations

import re

from homeassistant.config_entries import ConfigEntry, ConfigEntryState, ConfigSubentry
from homeassistant.const import Platform
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
    split_entity_id,
    valid_entity_id,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er

from .asks import async_ask, fold
from .const import (
    ATTR_ANSWERS,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_MESSAGE,
    ATTR_RECIPIENT,
    ATTR_RECIPIENTS,
    ATTR_SCHEDULE,
    ATTR_TIMEOUT,
    ATTR_TWO_WAY,
    CONF_PHONE,
    DEFAULT_ASK_TIMEOUT,
    DOMAIN,
    MAX_ASK_TIMEOUT,
    MIN_ASK_TIMEOUT,
    SUBENTRY_RECIPIENT,
)
from .coordinator import SmsGetConfigEntry
from .messaging import async_send, estimate_response, validate
from .schema import vol

SERVICE_SEND_MESSAGE = "send_message"
SERVICE_ESTIMATE = "estimate"
SERVICE_ASK = "ask"

# "0912345678, 0912345679" is two numbers, not a malformed one.
_NUMBER_SEPARATORS = re.compile(r"[,;\n]")

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
# Lists are taken so that more than one recipient gets a translated error.
ASK_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Required(ATTR_RECIPIENT): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_ANSWERS): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_TIMEOUT, default=DEFAULT_ASK_TIMEOUT): cv.time_period,
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def async_get_entry(hass: HomeAssistant, entry_id: str | None) -> SmsGetConfigEntry:
    """Return the account an action is for: the one named, or the only one."""
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


def _check_answers(answers: list[str] | None) -> None:
    if answers is None:
        return
    if not answers:
        raise _invalid("ask_no_answers")
    if any(not fold(answer) for answer in answers):
        raise _invalid("ask_empty_answer")


def _one_recipient(recipient: list[str]) -> str:
    numbers = [
        part
        for item in recipient
        for part in _NUMBER_SEPARATORS.split(item)
        if part.strip()
    ]
    if len(numbers) > 1:
        raise _invalid("ask_one_recipient", recipient=", ".join(numbers))
    if not numbers:
        raise _invalid("no_recipients")
    return numbers[0].strip()


def _recipient_of(
    hass: HomeAssistant, entity_id: str
) -> tuple[ConfigEntry, ConfigSubentry] | None:
    """Return the entry and recipient subentry of one of our notify entities."""
    registered = er.async_get(hass).async_get(entity_id)
    if (
        registered is None
        or registered.platform != DOMAIN
        or registered.config_entry_id is None
        or registered.config_subentry_id is None
    ):
        return None
    entry = hass.config_entries.async_get_entry(registered.config_entry_id)
    if entry is None:
        return None
    subentry = entry.subentries.get(registered.config_subentry_id)
    if subentry is None or subentry.subentry_type != SUBENTRY_RECIPIENT:
        return None
    return entry, subentry


def _recipient_entity(
    hass: HomeAssistant, entity_id: str, entry_id: str | None
) -> tuple[str, str]:
    """Return the entry ID and phone that a recipient's notify entity stands for."""
    if (found := _recipient_of(hass, entity_id)) is None:
        raise _invalid("ask_unknown_recipient", recipient=entity_id)
    entry, subentry = found
    if entry_id is not None and entry_id != entry.entry_id:
        raise _invalid(
            "ask_recipient_other_account", recipient=entity_id, account=entry.title
        )
    return entry.entry_id, subentry.data[CONF_PHONE]


async def _async_ask(call: ServiceCall) -> ServiceResponse:
    timeout = call.data[ATTR_TIMEOUT]
    if not MIN_ASK_TIMEOUT <= timeout <= MAX_ASK_TIMEOUT:
        raise _invalid("ask_invalid_timeout", timeout=str(timeout))
    answers: list[str] | None = call.data.get(ATTR_ANSWERS)
    _check_answers(answers)
    recipient = _one_recipient(call.data[ATTR_RECIPIENT])
    entry_id: str | None = call.data.get(ATTR_CONFIG_ENTRY_ID)
    if valid_entity_id(recipient) and split_entity_id(recipient)[0] == Platform.NOTIFY:
        entry_id, recipient = _recipient_entity(call.hass, recipient, entry_id)
    entry = async_get_entry(call.hass, entry_id)
    outgoing = validate(call.data[ATTR_MESSAGE], [recipient], two_way=True)
    return await async_ask(call.hass, entry, outgoing, answers, timeout)


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
    hass.services.async_register(
        DOMAIN,
        SERVICE_ASK,
        _async_ask,
        schema=ASK_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
