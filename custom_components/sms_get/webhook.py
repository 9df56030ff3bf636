"""The webhook that takes SMS-Get's delivery reports and two-way replies."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from time import monotonic
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from homeassistant.components.webhook import async_generate_path, async_generate_url
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.network import NoURLAvailableError

from .const import (
    ATTR_CONFIG_ENTRY_ID,
    CONF_CLOUDHOOK_URL,
    CONF_TWO_WAY_CODE,
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_REPLY_RECEIVED,
    LOGGER,
    MAX_CALLBACK_BYTES,
    WARNING_INTERVAL,
    signal_callback,
)
from .coordinator import SmsGetConfigEntry
from .provider import MalformedLine, parse_delivery_reports, parse_replies, split_code
from .provider.callbacks import iso
from .provider.client import read_limited

_FORM = "application/x-www-form-urlencoded"


def async_webhook_url(hass: HomeAssistant, data: dict[str, Any]) -> str:
    """The URL to paste into SMS-Get's callback settings."""
    if url := data.get(CONF_CLOUDHOOK_URL):
        return str(url)
    try:
        return async_generate_url(hass, data[CONF_WEBHOOK_ID])
    except NoURLAvailableError:
        return async_generate_path(data[CONF_WEBHOOK_ID])


async def async_create_cloudhook(hass: HomeAssistant, webhook_id: str) -> str | None:
    """A cloudhook URL when Home Assistant Cloud is subscribed, else None."""
    # Imported only when loaded: importing cloud pulls in much of Home Assistant.
    if "cloud" not in hass.config.components:
        return None
    from homeassistant.components import cloud  # noqa: PLC0415

    if not cloud.async_active_subscription(hass):
        return None
    try:
        return await cloud.async_create_cloudhook(hass, webhook_id)
    except cloud.CloudNotAvailable:
        LOGGER.warning("Home Assistant Cloud is not connected; using the webhook URL")
    except Exception:  # noqa: BLE001  # a cloud failure must not stop SMS-Get
        # hass_nabucasa raises ValueError, TimeoutError, aiohttp and its own errors.
        LOGGER.warning(
            "Could not create a Home Assistant Cloud webhook; using the webhook URL",
            exc_info=True,
        )
    return None


async def async_delete_cloudhook(hass: HomeAssistant, webhook_id: str) -> None:
    """Delete the cloudhook of a removed entry."""
    if "cloud" not in hass.config.components:
        return
    from homeassistant.components import cloud  # noqa: PLC0415

    try:
        await cloud.async_delete_cloudhook(hass, webhook_id)
    except (cloud.CloudNotAvailable, ValueError):
        LOGGER.debug("The cloudhook is already gone")


def _entry_for(hass: HomeAssistant, webhook_id: str) -> SmsGetConfigEntry | None:
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        if entry.data[CONF_WEBHOOK_ID] == webhook_id:
            return entry
    return None


async def _read_params(request: web.Request) -> dict[str, str] | None:
    """Query string and form body alike; None when the body is too large."""
    # request.query is decoded once; query_string is already decoded (yarl), and
    # decoding it again would turn a reply's %2B into a space.
    params = dict(request.query)
    # SMS-Get sends its parameters in the query string: mostly no body to read.
    if not request.body_exists:
        return params
    # A cloudhook's MockRequest has no content_length.
    length = getattr(request, "content_length", None)
    if length is not None and length > MAX_CALLBACK_BYTES:
        return None
    body = await read_limited(request.content, MAX_CALLBACK_BYTES)
    if len(body) > MAX_CALLBACK_BYTES:
        return None
    content_type = request.headers.get("Content-Type", _FORM).split(";")[0].strip()
    if content_type in (_FORM, "text/plain", ""):
        params.update(
            parse_qsl(
                body.decode("utf-8", errors="replace"),
                keep_blank_values=True,
                errors="replace",
            )
        )
    return params


async def async_handle_webhook(
    hass: HomeAssistant, webhook_id: str, request: web.Request
) -> web.Response:
    """Fire one event per new line; answer ok when anything was usable."""
    entry = _entry_for(hass, webhook_id)
    if entry is None:
        return web.Response(status=HTTPStatus.NOT_FOUND)
    params = await _read_params(request)
    if params is None:
        return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    content = params.get("content", "")
    if "sms_id" in params:
        usable = _handle_reports(hass, entry, params["sms_id"], content)
    elif content:
        usable = _handle_replies(hass, entry, content)
    else:
        usable = False
    if not usable:
        _warn(entry, "SMS-Get callback with nothing usable in it was refused")
        return web.Response(status=HTTPStatus.BAD_REQUEST, text="nothing usable")
    return web.Response(text="ok")


def _warn(entry: SmsGetConfigEntry, message: str, *args: Any) -> None:
    """Warn at most once a minute: the webhook is open to the internet."""
    data = entry.runtime_data
    now = monotonic()
    if now - data.last_warning < WARNING_INTERVAL:
        LOGGER.debug(message, *args)
        return
    data.last_warning = now
    LOGGER.warning(message + " (more within a minute are logged at debug level)", *args)


def _log_malformed(
    entry: SmsGetConfigEntry, kind: str, malformed: list[MalformedLine]
) -> None:
    for line in malformed:
        _warn(
            entry,
            "Skipped a malformed %s line (%s): %r",
            kind,
            line.reason,
            line.line[:200],
        )


def _fire(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    event_type: str,
    events: list[dict[str, Any]],
    entity_event: Callable[[dict[str, Any]], str],
    *,
    mirror_each: bool,
) -> None:
    if not events:
        return
    # One callback is one cause: its events and the entity's states share a context.
    context = Context()
    for data in events:
        hass.bus.async_fire(event_type, data, context=context)
    # A reply is something to act on: its entity mirrors each one. A delivery report
    # can hold 250 lines: its entity shows the latest, the bus events carry every one.
    signal = signal_callback(entry.entry_id, event_type)
    for data in events if mirror_each else events[-1:]:
        async_dispatcher_send(hass, signal, entity_event(data), data, context)


def _handle_reports(
    hass: HomeAssistant, entry: SmsGetConfigEntry, sms_id: str, content: str
) -> bool:
    reports, malformed = parse_delivery_reports(sms_id, content)
    _log_malformed(entry, "delivery report", malformed)
    recent = entry.runtime_data.recent
    events = []
    for report in reports:
        reported_at = iso(report.reported_at)
        if recent.add(
            "d",
            report.message_id,
            report.phone,
            report.recipient_message_id,
            report.status,
            reported_at,
        ):
            events.append(
                {
                    ATTR_CONFIG_ENTRY_ID: entry.entry_id,
                    "message_id": report.message_id,
                    "phone": report.phone,
                    "recipient_message_id": report.recipient_message_id,
                    "reported_at": reported_at,
                    "status": report.status,
                    "delivered": report.delivered,
                }
            )
    _fire(
        hass,
        entry,
        EVENT_DELIVERY_REPORT,
        events,
        lambda data: "delivered" if data["delivered"] else "not_delivered",
        mirror_each=False,
    )
    return bool(reports)


def _handle_replies(
    hass: HomeAssistant, entry: SmsGetConfigEntry, content: str
) -> bool:
    replies, malformed = parse_replies(content)
    _log_malformed(entry, "reply", malformed)
    recent = entry.runtime_data.recent
    two_way_code = entry.options.get(CONF_TWO_WAY_CODE) or None
    events = []
    for reply in replies:
        received_at = iso(reply.received_at)
        if not recent.add(
            "r", reply.phone, reply.recipient_message_id, received_at, reply.raw_text
        ):
            continue
        code, text = split_code(reply.raw_text, two_way_code)
        events.append(
            {
                ATTR_CONFIG_ENTRY_ID: entry.entry_id,
                "phone": reply.phone,
                "recipient_message_id": reply.recipient_message_id,
                "received_at": received_at,
                "raw_text": reply.raw_text,
                "code": code,
                "text": text,
            }
        )
    _fire(
        hass,
        entry,
        EVENT_REPLY_RECEIVED,
        events,
        lambda _: "received",
        mirror_each=True,
    )
    return bool(replies)
