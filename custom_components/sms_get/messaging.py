"""Sending and estimating, shared by the actions and the notify services."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import ATTR_CONFIG_ENTRY_ID, DOMAIN, EVENT_MESSAGE_SENT, TOP_UP_URL
from .coordinator import SmsGetConfigEntry
from .provider import (
    MAX_RECIPIENTS,
    Estimate,
    InvalidPhoneNumberError,
    PhoneNumber,
    SendResult,
    SmsGetApiError,
    SmsGetConnectionError,
    SmsGetError,
    SmsGetOutcomeUnknownError,
    SmsGetResponseError,
    UnsupportedCharactersError,
    check_text,
    estimate,
    normalize,
)
from .spending import Reservation, async_reserve

# Sends in flight (tasks), for shutdown to wait for.
SENDING: HassKey[set[asyncio.Task[dict[str, Any]]]] = HassKey(f"{DOMAIN}_sending")

# What to tell the user for each provider code; other codes get the generic message.
_CODE_KEYS = {
    "002": "schedule_rejected",
    "003": "schedule_rejected",
    "004": "message_too_long",
    "005": "send_invalid_auth",
    "006": "send_ip_not_allowed",
    "009": "insufficient_credit",
    "010": "two_way_not_enabled",
}


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A validated message, ready to send."""

    message: str
    phones: list[PhoneNumber]
    two_way: bool
    schedule: datetime | None = None


def validate(
    message: str | None,
    recipients: list[str] | None,
    *,
    two_way: bool = False,
    schedule: datetime | None = None,
) -> Outgoing:
    """Check everything the provider would refuse, before any request."""
    if not message or not message.strip():
        raise _invalid("empty_message")
    try:
        check_text(message)
    except UnsupportedCharactersError as err:
        # Code points too: many screens cannot draw these characters.
        characters = ", ".join(f"{char} (U+{ord(char):04X})" for char in err.characters)
        raise _invalid("unsupported_characters", characters=characters) from err
    phones: dict[str, PhoneNumber] = {}
    for raw in recipients or ():
        try:
            phone = normalize(raw)
        except InvalidPhoneNumberError as err:
            raise _invalid("invalid_phone_number", number=str(raw)) from err
        if two_way and phone.country != "TW":
            raise _invalid("two_way_taiwan_only", number=str(raw))
        phones.setdefault(phone.number, phone)
    if not phones:
        raise _invalid("no_recipients")
    if schedule is not None:
        if schedule.tzinfo is None:
            schedule = schedule.replace(tzinfo=dt_util.get_default_time_zone())
        if schedule <= dt_util.utcnow():
            raise _invalid("schedule_in_past", schedule=_local_time(schedule))
    return Outgoing(message, list(phones.values()), two_way, schedule)


def _local_time(when: datetime) -> str:
    """Return the time as a person reads it, in Home Assistant's time zone."""
    zone = dt_util.get_default_time_zone()
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M} ({zone})"


def estimate_response(outgoing: Outgoing) -> dict[str, Any]:
    """Response data of sms_get.estimate."""
    cost: Estimate = estimate(
        outgoing.message, outgoing.phones, two_way=outgoing.two_way
    )
    return {
        "encoding": cost.encoding,
        "segments": cost.segments,
        "points": cost.points,
        "recipients": [
            {"phone": phone.number, "country": phone.country, "points": points}
            for phone, points in cost.per_recipient
        ],
    }


def provider_error(err: SmsGetError) -> HomeAssistantError:
    """Build a translated error that says what went wrong and what to do."""
    if isinstance(err, SmsGetApiError):
        key = _CODE_KEYS.get(err.code, "provider_error")
        placeholders = {"code": err.code}
        if key == "provider_error":
            placeholders["error"] = err.provider_message or "-"
        elif key == "insufficient_credit":
            placeholders["url"] = TOP_UP_URL
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        )
    if isinstance(err, SmsGetOutcomeUnknownError):
        key = "outcome_unknown"
    elif isinstance(err, SmsGetConnectionError):
        key = "cannot_connect"
    else:
        key = "unexpected_answer"
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )


async def async_send(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    outgoing: Outgoing,
    *,
    on_accepted: Callable[[SendResult], None] | None = None,
) -> dict[str, Any]:
    """Send in batches of 250, one request at a time; never re-send anything.

    The sending runs as a task of Home Assistant's own, shielded from the caller: a
    cancelled script or a stopping Home Assistant (which waits for its tasks) must not
    cut a send between SMS-Get's answer and the credit update and event it owes.
    Refused over a spending limit before any request. `on_accepted` is called at once
    for each batch SMS-Get accepts, before its event.
    """
    reservation = async_reserve(hass, entry, outgoing)
    task = hass.async_create_task(
        _async_send(hass, entry, outgoing, reservation, on_accepted),
        f"{DOMAIN} send",
        eager_start=True,
    )
    task.add_done_callback(reservation.async_release)
    sending = hass.data.setdefault(SENDING, set())
    sending.add(task)
    task.add_done_callback(sending.discard)
    return await asyncio.shield(task)


@callback
def async_wait_for_sends_at_shutdown(hass: HomeAssistant) -> None:
    """Let Home Assistant's first shutdown stage wait for sends in flight."""

    async def _wait() -> None:
        if sending := hass.data.get(SENDING):
            await asyncio.wait(sending)

    hass.async_add_shutdown_job(HassJob(_wait, f"{DOMAIN} sends in flight"))


async def _async_send(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    outgoing: Outgoing,
    reservation: Reservation,
    on_accepted: Callable[[SendResult], None] | None,
) -> dict[str, Any]:
    data = entry.runtime_data
    numbers = [phone.number for phone in outgoing.phones]
    batches = [
        numbers[start : start + MAX_RECIPIENTS]
        for start in range(0, len(numbers), MAX_RECIPIENTS)
    ]
    scheduled_for = outgoing.schedule.isoformat() if outgoing.schedule else None
    sent: list[tuple[SendResult, list[str]]] = []
    for batch in batches:
        try:
            result = await data.client.send(
                outgoing.message,
                batch,
                schedule=outgoing.schedule,
                two_way=outgoing.two_way,
            )
        except SmsGetError as err:
            data.coordinator.async_provider_failed(err)
            # This batch may have gone out; only the batches after it did not.
            maybe_sent = isinstance(
                err, SmsGetOutcomeUnknownError | SmsGetResponseError
            )
            reservation.async_failed(maybe_sent=maybe_sent)
            error = provider_error(err)
            if not sent:
                raise error from err
            accepted = sum(len(done) for _, done in sent)
            placeholders = {
                "message_ids": ", ".join(result.message_id for result, _ in sent),
                "sent": str(accepted),
                "error": str(err),
            }
            key = "partial_send"
            if maybe_sent:
                key = "partial_send_outcome_unknown"
                placeholders["unknown"] = str(len(batch))
                accepted += len(batch)
            placeholders["not_sent"] = str(len(numbers) - accepted)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=key,
                translation_placeholders=placeholders,
            ) from err
        sent.append((result, batch))
        reservation.async_accepted(result.points_used, len(batch))
        if on_accepted is not None:
            on_accepted(result)
        data.coordinator.async_set_credit(result.points_remaining)
        hass.bus.async_fire(
            EVENT_MESSAGE_SENT,
            {
                ATTR_CONFIG_ENTRY_ID: entry.entry_id,
                "message_id": result.message_id,
                "recipients": batch,
                "points_used": result.points_used,
                "credit_remaining": result.points_remaining,
                "scheduled_for": scheduled_for,
                "two_way": outgoing.two_way,
            },
        )
    return {
        "messages": [
            {
                "message_id": result.message_id,
                "points_used": result.points_used,
                "recipients": batch,
            }
            for result, batch in sent
        ],
        "points_used": sum(result.points_used for result, _ in sent),
        "credit_remaining": sent[-1][0].points_remaining,
        "recipients": len(numbers),
    }
