"""The webhook that takes SMS-Get's delivery reports and two-way replies."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from http import HTTPStatus
import logging
from time import monotonic
from typing import Any

from aiohttp import web
from homeassistant.components.webhook import (
    async_generate_path,
    async_generate_url,
    async_register as async_register_webhook,
    async_unregister as async_unregister_webhook,
)
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from yarl import URL

from .assist import async_handle_reply
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
    signal_recipient_reply,
)
from .coordinator import SmsGetConfigEntry
from .provider import (
    MAX_LINES,
    DeliveryReport,
    MalformedLine,
    RecentLines,
    Reply,
    TooManyLinesError,
    fresh_window,
    iso,
    parse_delivery_reports,
    parse_form,
    parse_replies,
    read_limited,
    split_code,
)
from .recipients import recipients_by_phone

_FORM = "application/x-www-form-urlencoded"
_PLAIN = "text/plain"
# SMS-Get sends a handful of parameters.
_MAX_FIELDS = 100
# Larger contents and bodies are read in a worker thread: the event loop never waits
# for a hostile callback (everyday ones are a few kilobytes).
_INLINE_BYTES = 64 * 1024
_REPLIES_AT_ONCE = 100


def async_webhook_url(hass: HomeAssistant, data: dict[str, Any]) -> str:
    """Return the URL to paste into SMS-Get's callback settings."""
    if url := data.get(CONF_CLOUDHOOK_URL):
        return str(url)
    try:
        return async_generate_url(hass, data[CONF_WEBHOOK_ID])
    except NoURLAvailableError:
        return async_generate_path(data[CONF_WEBHOOK_ID])


async def async_create_cloudhook(hass: HomeAssistant, webhook_id: str) -> str | None:
    """Create a cloudhook URL when Home Assistant Cloud is subscribed, else None."""
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
    except Exception as err:  # noqa: BLE001  # a cloud failure must not stop SMS-Get
        # hass_nabucasa raises ValueError, TimeoutError, aiohttp and its own errors,
        # whose text may hold the webhook's address: not shown.
        LOGGER.warning(
            "Could not create a Home Assistant Cloud webhook (%s); using the webhook URL",
            type(err).__name__,
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


class CallbackKind(StrEnum):
    """The two kinds of callback lines, kept apart in the duplicate filter."""

    DELIVERY_REPORT = "delivery_report"
    REPLY = "reply"

    # Hashed as its text, in C (Enum's own hash is Python): every line is hashed with it.
    __hash__ = str.__hash__


class WebhookState:
    """What the webhook keeps while Home Assistant runs, across reloads of entries."""

    def __init__(self) -> None:
        """Start with nothing seen and no warning given."""
        # The lines taken, each as (its CallbackKind, the entry's ID, its fields).
        self.recent = RecentLines()
        # The entries set up, by webhook ID.
        self.entries: dict[str, SmsGetConfigEntry] = {}
        # monotonic() of the last warning, to limit them.
        self._last_warning = float("-inf")

    def warn(self, message: str, *args: Any) -> None:
        """Warn at most once a minute: the webhook is open to the internet."""
        now = monotonic()
        if now - self._last_warning < WARNING_INTERVAL:
            LOGGER.debug(message, *args)
            return
        self._last_warning = now
        LOGGER.warning(
            message + " (more within a minute are logged at debug level)", *args
        )

    def log_malformed(self, kind: str, malformed: list[MalformedLine]) -> None:
        """Tell about the lines skipped."""
        for line in malformed:
            self.warn(
                "Skipped a malformed %s line (%s): %r",
                kind,
                line.reason,
                line.line[:200],
            )


DATA_WEBHOOK: HassKey[WebhookState] = HassKey(f"{DOMAIN}_webhook")


@callback
def async_webhook_state(hass: HomeAssistant) -> WebhookState:
    """Return the webhook's state, made on first use."""
    if (state := hass.data.get(DATA_WEBHOOK)) is None:
        state = hass.data[DATA_WEBHOOK] = WebhookState()
    return state


# Not frozen: one is made per reply, and a frozen dataclass sets each field by a call.
@dataclass(slots=True, kw_only=True)
class ReceivedReply:
    """A new two-way reply, as async_reply_received takes it."""

    entry_id: str
    # In the provider's format when it is a valid number, else as received.
    phone: str
    recipient_message_id: str
    # The carrier's time, on the provider's clock.
    received_at: datetime
    raw_text: str
    # The account's two-way code when the text starts with it.
    code: str | None
    # The text without the code, trimmed.
    text: str
    # Replayed or delayed: its events fire, nothing else may act on it.
    stale: bool
    # The recipient whose phone this is, found once for the event, entity and Assist.
    recipient: ConfigSubentry | None = field(compare=False)
    context: Context = field(compare=False)
    # The data of the sms_get_reply_received event.
    event_data: dict[str, Any] = field(compare=False)


@callback
def async_reply_received(
    hass: HomeAssistant, entry: SmsGetConfigEntry, reply: ReceivedReply
) -> None:
    """Take a new reply: its events, its recipient's entity, then an ask or Assist.

    Every reply of every callback passes here once, in order.
    """
    hass.bus.async_fire(EVENT_REPLY_RECEIVED, reply.event_data, context=reply.context)
    async_dispatcher_send(
        hass,
        signal_callback(entry.entry_id, EVENT_REPLY_RECEIVED),
        "received",
        reply.event_data,
        reply.context,
    )
    if (subentry := reply.recipient) is not None:
        async_dispatcher_send(
            hass,
            signal_recipient_reply(entry.entry_id, subentry.subentry_id),
            reply.event_data,
            reply.context,
        )
    # A stale reply is never acted on; a person answering a question is never
    # talking to Assist.
    if reply.stale or entry.runtime_data.asks.async_offer(reply):
        return
    async_handle_reply(hass, entry, reply)


@callback
def async_reports_received(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    events: list[dict[str, Any]],
    context: Context,
) -> None:
    """Fire an event per new delivery-report line; the entity shows the latest."""
    for data in events:
        hass.bus.async_fire(EVENT_DELIVERY_REPORT, data, context=context)
    # A callback can hold 1,000 lines: the bus events carry every one.
    latest = events[-1]
    async_dispatcher_send(
        hass,
        signal_callback(entry.entry_id, EVENT_DELIVERY_REPORT),
        "delivered" if latest["delivered"] else "not_delivered",
        latest,
        context,
    )


@callback
def async_setup_entry_webhook(
    hass: HomeAssistant, entry: SmsGetConfigEntry, name: str
) -> None:
    """Take the entry's callbacks at its webhook until the entry unloads."""
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    entries = async_webhook_state(hass).entries
    entries[webhook_id] = entry
    async_register_webhook(
        hass,
        DOMAIN,
        name,
        webhook_id,
        async_handle_webhook,
        local_only=False,
        allowed_methods=("GET", "POST", "PUT"),
    )

    @callback
    def _async_unregister() -> None:
        async_unregister_webhook(hass, webhook_id)
        entries.pop(webhook_id, None)

    entry.async_on_unload(_async_unregister)


def _form(body: bytes) -> list[tuple[str, str]] | None:
    """Read a form body as the query string is read; None past _MAX_FIELDS."""
    if body.count(b"&") >= _MAX_FIELDS:
        return None
    text = body.decode("utf-8", errors="replace")
    if len(body) > _INLINE_BYTES:
        # In a worker thread: yarl reads alike (a property test holds them to it),
        # and lets go of the GIL where parse_form's one split of 1 MB would not.
        return list(URL.build(query_string=text, encoded=True).query.items())
    # An everyday body: parse_form is quicker than any yarl (2025.4's takes 27 µs).
    return parse_form(text)


async def _async_read_with_body(
    hass: HomeAssistant, request: web.Request
) -> dict[str, str] | None:
    """Query string and form body alike; None when the body is too large."""
    # request.query is decoded once; query_string is already decoded (yarl), and
    # decoding it again would turn a reply's %2B into a space.
    params = dict(request.query)
    # A cloudhook's MockRequest has no content_length.
    length = getattr(request, "content_length", None)
    if length is not None and length > MAX_CALLBACK_BYTES:
        return None
    body = await read_limited(request.content, MAX_CALLBACK_BYTES)
    if len(body) > MAX_CALLBACK_BYTES:
        return None
    content_type = request.headers.get("Content-Type", _FORM)
    if content_type.partition(";")[0].strip().lower() not in (_FORM, _PLAIN, ""):
        return params
    # A large body is read beside the event loop: some yarl versions (2025.4's)
    # take 100 ms for 1 MB.
    fields = (
        await hass.async_add_executor_job(_form, body)
        if len(body) > _INLINE_BYTES
        else _form(body)
    )
    if fields is None:
        return None
    params.update(fields)
    return params


async def async_handle_webhook(
    hass: HomeAssistant, webhook_id: str, request: web.Request
) -> web.Response:
    """Fire one event per new line; answer ok when anything was usable."""
    # Made when the first entry set its webhook up.
    state = hass.data[DATA_WEBHOOK]
    entry = state.entries.get(webhook_id)
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        return web.Response(status=HTTPStatus.NOT_FOUND)
    # SMS-Get sends its parameters in the query string: mostly no body to read.
    params: Mapping[str, str] | None = (
        await _async_read_with_body(hass, request)
        if request.body_exists
        else request.query
    )
    if params is None:
        state.warn("SMS-Get callback too large to read was refused")
        return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    content = params.get("content", "")
    try:
        if (sms_id := params.get("sms_id")) is not None:
            # In a worker thread when large: the event loop never waits for a
            # hostile one.
            if len(content) + len(sms_id) > _INLINE_BYTES:
                reports, malformed = await hass.async_add_executor_job(
                    parse_delivery_reports, sms_id, content
                )
            else:
                reports, malformed = parse_delivery_reports(sms_id, content)
            if malformed:
                state.log_malformed("delivery report", malformed)
            usable = _take_reports(hass, state, entry, reports)
        elif content:
            if len(content) > _INLINE_BYTES:
                replies, malformed = await hass.async_add_executor_job(
                    parse_replies, content
                )
            else:
                replies, malformed = parse_replies(content)
            if malformed:
                state.log_malformed("reply", malformed)
            context: Context | None = None
            for start in range(0, len(replies), _REPLIES_AT_ONCE):
                if start:
                    # Each reply writes a state: let the event loop breathe.
                    await asyncio.sleep(0)
                context = _take_replies(
                    hass,
                    state,
                    entry,
                    replies[start : start + _REPLIES_AT_ONCE],
                    context,
                )
            usable = bool(replies)
        else:
            usable = False
    except TooManyLinesError:
        state.warn("SMS-Get callback of more than %s lines was refused", MAX_LINES)
        return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    if not usable:
        state.warn("SMS-Get callback with nothing usable in it was refused")
        return web.Response(status=HTTPStatus.BAD_REQUEST, text="nothing usable")
    return web.Response(text="ok")


@callback
def _take_reports(
    hass: HomeAssistant,
    state: WebhookState,
    entry: SmsGetConfigEntry,
    reports: list[DeliveryReport],
) -> bool:
    entry_id = entry.entry_id
    # Looked up once a callback: a thousand lines share them.
    recipients = recipients_by_phone(entry)
    first_time = state.recent.add
    events = []
    for report in reports:
        reported_at = iso(report.reported_at)
        if first_time(
            CallbackKind.DELIVERY_REPORT,
            entry_id,
            report.message_id,
            report.phone,
            report.recipient_message_id,
            report.status,
            reported_at,
        ):
            events.append(
                {
                    ATTR_CONFIG_ENTRY_ID: entry_id,
                    "message_id": report.message_id,
                    "phone": report.phone,
                    "recipient_message_id": report.recipient_message_id,
                    "reported_at": reported_at,
                    "status": report.status,
                    "delivered": report.delivered,
                    "recipient": (
                        subentry.title
                        if (subentry := recipients.get(report.phone))
                        else None
                    ),
                }
            )
    if events:
        # One callback is one cause: its events and the entity's states share it.
        async_reports_received(hass, entry, events, Context())
    return bool(reports)


@callback
def _take_replies(
    hass: HomeAssistant,
    state: WebhookState,
    entry: SmsGetConfigEntry,
    replies: list[Reply],
    context: Context | None,
) -> Context | None:
    """Take a batch of a callback's replies; return the callback's context once made."""
    entry_id = entry.entry_id
    recipients = recipients_by_phone(entry)
    first_time = state.recent.add
    two_way_code = entry.options.get(CONF_TWO_WAY_CODE) or None
    # Once per batch: its replies are checked against the same moment.
    earliest, latest = fresh_window(dt_util.utcnow())
    debug = LOGGER.isEnabledFor(logging.DEBUG)
    for reply in replies:
        received_at = iso(reply.received_at)
        if not first_time(
            CallbackKind.REPLY,
            entry_id,
            reply.phone,
            reply.recipient_message_id,
            received_at,
            reply.raw_text,
        ):
            continue
        code, text = split_code(reply.raw_text, two_way_code)
        if (stale := not earliest <= reply.received_at <= latest) and debug:
            LOGGER.debug(
                "Reply %s carries the time %s, too far from now to act on:"
                " only its events fire",
                reply.recipient_message_id,
                received_at,
            )
        if context is None:
            context = Context()
        recipient = recipients.get(reply.phone)
        async_reply_received(
            hass,
            entry,
            ReceivedReply(
                entry_id=entry_id,
                phone=reply.phone,
                recipient_message_id=reply.recipient_message_id,
                received_at=reply.received_at,
                raw_text=reply.raw_text,
                code=code,
                text=text,
                stale=stale,
                recipient=recipient,
                context=context,
                event_data={
                    ATTR_CONFIG_ENTRY_ID: entry_id,
                    "phone": reply.phone,
                    "recipient_message_id": reply.recipient_message_id,
                    "received_at": received_at,
                    "raw_text": reply.raw_text,
                    "code": code,
                    "text": text,
                    "recipient": recipient.title if recipient else None,
                },
            ),
        )
    return context
