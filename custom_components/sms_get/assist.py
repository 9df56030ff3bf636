"""Assist over SMS: trusted recipients talk to Home Assistant's conversation agent."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent, issue_registry as ir
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from . import messaging
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    CONF_ASSIST,
    CONF_ASSIST_ANSWER_SEGMENTS,
    CONF_CONVERSATION_AGENT,
    CONF_TWO_WAY_CODE,
    DEFAULT_ASSIST_ANSWER_SEGMENTS,
    DEFAULT_CONVERSATION_AGENT,
    DOMAIN,
    EVENT_ASSIST,
    ISSUE_ASSIST_AGENT_MISSING,
    LOGGER,
    WARNING_INTERVAL,
    entry_issue_id,
)
from .coordinator import SmsGetConfigEntry
from .provider import shorten, without_unsupported
from .spending import SpendingLimitError

if TYPE_CHECKING:
    from .webhook import ReceivedReply

ASSIST_MAX_REQUESTS = 20
ASSIST_WINDOW = timedelta(minutes=60)
CONVERSATION_TIMEOUT = timedelta(minutes=5)

ERROR_RATE_LIMITED = "rate_limited"
ERROR_SPENDING_LIMIT = "spending_limit"
ERROR_AGENT_FAILED = "agent_failed"
ERROR_SEND_FAILED = "send_failed"


@dataclass(slots=True)
class _Phone:
    """One phone of one entry: its recent requests and its conversation."""

    # When the requests that reached the agent came in, oldest first.
    requests: deque[datetime] = field(default_factory=deque)
    conversation_id: str | None = None
    last_exchange: datetime | None = None
    # One request at a time per phone, so a follow-up sees the answer before it.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def prune(self, now: datetime) -> None:
        """Forget requests older than the window."""
        while self.requests and now - self.requests[0] >= ASSIST_WINDOW:
            self.requests.popleft()

    def current_conversation(self, now: datetime) -> str | None:
        """Return the conversation ID while the last exchange is recent."""
        if self.last_exchange is None or now - self.last_exchange > (
            CONVERSATION_TIMEOUT
        ):
            return None
        return self.conversation_id

    def idle(self, now: datetime) -> bool:
        """Nothing worth keeping: no recent request, conversation or one running."""
        self.prune(now)
        return (
            not self.requests
            and self.current_conversation(now) is None
            and not self.lock.locked()
        )


class AssistState:
    """Request counts and conversations per entry and phone.

    Kept in hass.data so that a reload of the entry does not reset the limit.
    """

    def __init__(self) -> None:
        """Start with no phone."""
        self.phones: dict[tuple[str, str], _Phone] = {}
        self._last_warning: datetime | None = None

    def phone(self, entry_id: str, phone: str) -> _Phone:
        """Return the state of a phone of an entry, made on first use."""
        if (state := self.phones.get((entry_id, phone))) is None:
            state = self.phones[entry_id, phone] = _Phone()
        return state

    def prune(self, now: datetime) -> None:
        """Drop the phones with nothing to remember: memory stays bounded."""
        for key in [key for key, state in self.phones.items() if state.idle(now)]:
            del self.phones[key]

    def forget_entry(self, entry_id: str) -> None:
        """Drop everything of a removed entry."""
        for key in [key for key in self.phones if key[0] == entry_id]:
            del self.phones[key]

    def warn_rate_limited(self, now: datetime, name: str) -> None:
        """Warn at most once a minute: a flood must not fill the log."""
        if self._last_warning is not None and (
            (now - self._last_warning).total_seconds() < WARNING_INTERVAL
        ):
            LOGGER.debug("Assist over SMS: %s is over the limit", name)
            return
        self._last_warning = now
        LOGGER.warning(
            "Assist over SMS: %s sent more than %d requests within %d minutes; "
            "the rest get no answer until the oldest is an hour old (more such "
            "warnings within a minute are logged at debug level)",
            name,
            ASSIST_MAX_REQUESTS,
            ASSIST_WINDOW.total_seconds() // 60,
        )


DATA_ASSIST: HassKey[AssistState] = HassKey(f"{DOMAIN}_assist")


@callback
def _state(hass: HomeAssistant) -> AssistState:
    if (state := hass.data.get(DATA_ASSIST)) is None:
        state = hass.data[DATA_ASSIST] = AssistState()
    return state


@callback
def async_handle_reply(
    hass: HomeAssistant, entry: SmsGetConfigEntry, reply: ReceivedReply
) -> None:
    """Hand a reply from a trusted recipient to the conversation agent.

    The caller has made sure no ask is waiting for the phone. The agent and the
    answer's send run in a background task of the entry.
    """
    if reply.stale or not reply.text:
        return
    if entry.options.get(CONF_TWO_WAY_CODE) and reply.code is None:
        return
    recipient = reply.recipient
    if recipient is None or not recipient.data.get(CONF_ASSIST):
        return
    state = _state(hass)
    now = dt_util.utcnow()
    state.prune(now)
    phone = state.phone(entry.entry_id, reply.phone)
    phone.prune(now)
    if len(phone.requests) >= ASSIST_MAX_REQUESTS:
        state.warn_rate_limited(now, recipient.title)
        _fire(hass, entry, reply, recipient.title, error=ERROR_RATE_LIMITED)
        return
    phone.requests.append(now)
    entry.async_create_background_task(
        hass,
        _async_answer(hass, entry, reply, recipient.title, phone),
        f"{DOMAIN} assist {recipient.title}",
    )


@callback
def _fire(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    reply: ReceivedReply,
    recipient: str,
    *,
    response: str | None = None,
    message_id: str | None = None,
    points_used: int | None = None,
    error: str | None = None,
) -> None:
    hass.bus.async_fire(
        EVENT_ASSIST,
        {
            ATTR_CONFIG_ENTRY_ID: entry.entry_id,
            "phone": reply.phone,
            "recipient": recipient,
            "text": reply.text,
            "response": response,
            "message_id": message_id,
            "points_used": points_used,
            "error": error,
        },
        context=reply.context,
    )


async def _async_answer(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    reply: ReceivedReply,
    recipient: str,
    phone: _Phone,
) -> None:
    """Ask the agent, then text its answer back; one exchange per phone at a time."""
    async with phone.lock:
        speech = await _async_converse(hass, entry, reply, recipient, phone)
        if speech is None:
            _fire(hass, entry, reply, recipient, error=ERROR_AGENT_FAILED)
            return
        segments = int(
            entry.options.get(
                CONF_ASSIST_ANSWER_SEGMENTS, DEFAULT_ASSIST_ANSWER_SEGMENTS
            )
        )
        answer = shorten(without_unsupported(speech).strip(), segments)
        if not answer:
            # Nothing to text: an agent that acted without a word.
            _fire(hass, entry, reply, recipient)
            return
        await _async_send_answer(hass, entry, reply, recipient, answer)


async def _async_send_answer(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    reply: ReceivedReply,
    recipient: str,
    answer: str,
) -> None:
    """Text the answer as a two-way message, under the spending limits."""
    try:
        sent = await messaging.async_send(
            hass, entry, messaging.validate(answer, [reply.phone], two_way=True)
        )
    except HomeAssistantError as err:
        error = (
            ERROR_SPENDING_LIMIT
            if isinstance(err, SpendingLimitError)
            else ERROR_SEND_FAILED
        )
        LOGGER.warning(
            "Assist over SMS: the answer to %s was not sent: %s", recipient, err
        )
        _fire(hass, entry, reply, recipient, error=error)
        return
    message = sent["messages"][0]
    _fire(
        hass,
        entry,
        reply,
        recipient,
        response=answer,
        message_id=message["message_id"],
        points_used=message["points_used"],
    )


async def _async_converse(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    reply: ReceivedReply,
    recipient: str,
    phone: _Phone,
) -> str | None:
    """Return the agent's speech, or None when it failed or is gone."""
    agent_id: str = entry.options.get(
        CONF_CONVERSATION_AGENT, DEFAULT_CONVERSATION_AGENT
    )
    if _async_agent_gone(hass, entry, agent_id):
        return None
    from homeassistant.components import conversation  # noqa: PLC0415

    try:
        result = await conversation.async_converse(
            hass=hass,
            text=reply.text,
            conversation_id=phone.current_conversation(dt_util.utcnow()),
            context=reply.context,
            language=hass.config.language,
            agent_id=agent_id,
        )
    except Exception:  # noqa: BLE001  # an agent may raise anything
        if not _async_agent_gone(hass, entry, agent_id):
            LOGGER.exception(
                "Assist over SMS: conversation agent %s failed on a request of %s",
                agent_id,
                recipient,
            )
        return None
    response = result.response
    if (
        response.response_type is intent.IntentResponseType.ERROR
        and response.error_code is intent.IntentResponseErrorCode.UNKNOWN
    ):
        # What Home Assistant makes of an agent that raised a HomeAssistantError.
        if not _async_agent_gone(hass, entry, agent_id):
            LOGGER.error(
                "Assist over SMS: conversation agent %s failed on a request of %s: %s",
                agent_id,
                recipient,
                _speech(response),
            )
        return None
    ir.async_delete_issue(hass, DOMAIN, _issue_id(entry))
    phone.conversation_id = result.conversation_id
    phone.last_exchange = dt_util.utcnow()
    return _speech(response)


def _speech(response: intent.IntentResponse) -> str:
    plain: dict[str, Any] = response.speech.get("plain", {})
    return str(plain.get("speech") or "")


def _issue_id(entry: SmsGetConfigEntry) -> str:
    return entry_issue_id(ISSUE_ASSIST_AGENT_MISSING, entry.entry_id)


@callback
def _async_agent_gone(
    hass: HomeAssistant, entry: SmsGetConfigEntry, agent_id: str
) -> bool:
    """Raise the repair and return True when the agent does not exist."""
    # Without Home Assistant's conversation integration there is no agent at all.
    if "conversation" in hass.config.components:
        # Imported once loaded (an after-dependency): its requirements are there.
        from homeassistant.components import conversation  # noqa: PLC0415

        if conversation.async_get_agent_info(hass, agent_id) is not None:
            return False
    LOGGER.error(
        "Assist over SMS: conversation agent %s does not exist; choose another in "
        "the options of SMS-Get account %s",
        agent_id,
        entry.title,
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_ASSIST_AGENT_MISSING,
        translation_placeholders={"agent": agent_id, "username": entry.title},
    )
    return True


@callback
def async_assist_options_updated(hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
    """Clear the missing-agent repair once another agent is chosen."""
    issue_id = _issue_id(entry)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    if issue is None or not issue.translation_placeholders:
        return
    chosen = entry.options.get(CONF_CONVERSATION_AGENT, DEFAULT_CONVERSATION_AGENT)
    if chosen != issue.translation_placeholders["agent"]:
        ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_remove_assist(hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
    """Forget a removed entry's requests."""
    if (state := hass.data.get(DATA_ASSIST)) is not None:
        state.forget_entry(entry.entry_id)
