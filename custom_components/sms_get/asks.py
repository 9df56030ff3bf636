"""sms_get.ask: a two-way message, then the wait for the answer.

A pending ask is a future in a dict keyed by phone, one per entry: it costs nothing
while it waits, a reply finds it in constant time, and it is gone when it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
import unicodedata

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback

from .const import CONF_TWO_WAY_CODE, DOMAIN
from .messaging import Outgoing, async_send
from .provider.callbacks import iso

if TYPE_CHECKING:
    from .coordinator import SmsGetConfigEntry
    from .webhook import ReceivedReply


class AskEnd(StrEnum):
    """Why an ask ended: the response's `reason`."""

    ANSWERED = "answered"
    TIMEOUT = "timeout"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class AskOutcome:
    """How an ask ended, and the reply that answered it."""

    reason: AskEnd
    reply: ReceivedReply | None = None
    answer: str | None = None


def fold(text: str) -> str:
    """Fold an answer: NFKC, case folding and trimming (a full-width 1 is 1)."""
    if text.isascii():
        # NFKC leaves ASCII as it is, and its case folding is lower().
        return text.lower().strip()
    # Case folding can undo NFKC (ß, some ligatures): normalise again after it.
    folded = unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


class PendingAsk:
    """One ask waiting for its answer."""

    __slots__ = ("_answers", "future")

    def __init__(self, answers: Sequence[str] | None) -> None:
        """Accept any text, or only these answers (the first of equal ones wins)."""
        self.future: asyncio.Future[AskOutcome] = (
            asyncio.get_running_loop().create_future()
        )
        self._answers: dict[str, str] | None = None
        if answers is not None:
            self._answers = {}
            for answer in answers:
                self._answers.setdefault(fold(answer), answer)

    @callback
    def async_try(self, reply: ReceivedReply) -> bool:
        """End the ask when the reply's text is an accepted answer."""
        if self._answers is None:
            answer = None
        elif (answer := self._answers.get(fold(reply.text))) is None:
            return False
        self.async_end(AskOutcome(AskEnd.ANSWERED, reply, answer))
        return True

    @callback
    def async_end(self, outcome: AskOutcome) -> None:
        """End the ask, unless it has ended already (or its caller is gone)."""
        if not self.future.done():
            self.future.set_result(outcome)


class AskManager:
    """The pending asks of one entry, one per phone."""

    def __init__(self, hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
        """Start with nothing pending."""
        self._hass = hass
        self._entry = entry
        self._pending: dict[str, PendingAsk] = {}
        self._closed = False

    def __len__(self) -> int:
        """How many asks are pending."""
        return len(self._pending)

    @callback
    def async_offer(self, reply: ReceivedReply) -> bool:
        """Offer a new reply to the ask pending for its phone.

        Return True when an ask was pending for that phone, whether or not this
        reply answered it: a person answering a question is not talking to Assist.
        """
        ask = self._pending.get(reply.phone)
        if ask is None or ask.future.done():
            return False
        # A stale reply may be a replay; without the account's code, not an answer.
        if reply.stale or (
            self._entry.options.get(CONF_TWO_WAY_CODE) and reply.code is None
        ):
            return True
        if ask.async_try(reply):
            del self._pending[reply.phone]
        return True

    @callback
    def async_start(self, phone: str, ask: PendingAsk) -> None:
        """Wait for answers from phone, once SMS-Get has accepted the question."""
        if ask.future.done():
            # The caller went away while the question was being sent.
            return
        if self._closed or self._hass.is_stopping:
            ask.async_end(AskOutcome(AskEnd.CANCELLED))
            return
        if (older := self._pending.get(phone)) is not None:
            older.async_end(AskOutcome(AskEnd.SUPERSEDED))
        self._pending[phone] = ask

    @callback
    def async_forget(self, phone: str, ask: PendingAsk) -> None:
        """Drop an ask that has ended, if it is still the phone's."""
        if self._pending.get(phone) is ask:
            del self._pending[phone]

    @callback
    def async_cancel_all(self) -> None:
        """End every pending ask with cancelled; take no new ones."""
        self._closed = True
        pending, self._pending = self._pending, {}
        for ask in pending.values():
            ask.async_end(AskOutcome(AskEnd.CANCELLED))


async def async_ask(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    outgoing: Outgoing,
    answers: Sequence[str] | None,
    timeout: timedelta,  # noqa: ASYNC109  # the wait's, not the send's
) -> dict[str, Any]:
    """Send a validated two-way question to one phone and wait for its answer."""
    phone = outgoing.phones[0].number
    asks = entry.runtime_data.asks
    ask = PendingAsk(answers)
    try:
        sent = await async_send(
            hass,
            entry,
            outgoing,
            on_accepted=lambda _result: asks.async_start(phone, ask),
        )
        try:
            async with asyncio.timeout(timeout.total_seconds()):
                outcome = await ask.future
        except TimeoutError:
            outcome = AskOutcome(AskEnd.TIMEOUT)
    finally:
        # Refused, cancelled or ended: nothing may stay behind.
        ask.future.cancel()
        asks.async_forget(phone, ask)
    reply = outcome.reply
    return {
        "answered": outcome.reason is AskEnd.ANSWERED,
        "reason": outcome.reason.value,
        "reply": reply.text if reply else None,
        "answer": outcome.answer,
        "phone": phone,
        "received_at": iso(reply.received_at) if reply else None,
        "message_id": sent["messages"][0]["message_id"],
        "points_used": sent["points_used"],
    }


@callback
def async_cancel_asks_at_stop(hass: HomeAssistant) -> None:
    """End every pending ask with cancelled when Home Assistant stops."""

    @callback
    def _cancel(_event: Event) -> None:
        for entry in hass.config_entries.async_loaded_entries(DOMAIN):
            entry.runtime_data.asks.async_cancel_all()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _cancel)
