"""Spending limits and usage of the SMS-Get integration.

Every send reserves its estimated points before the first request, so concurrent
sends cannot slip past the daily limit together, and settles on the points SMS-Get
reports for each batch it accepts.
"""

from __future__ import annotations

from collections import deque
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypedDict

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import (
    CONF_DAILY_POINT_LIMIT,
    CONF_MAX_POINTS_PER_SEND,
    DOMAIN,
    ISSUE_DAILY_LIMIT_REACHED,
)
from .coordinator import SmsGetConfigEntry
from .provider import MAX_RECIPIENTS, estimate

if TYPE_CHECKING:
    from .messaging import Outgoing

STORAGE_VERSION = 1
# Under load, at most one write per this many seconds (and one at shutdown).
SAVE_DELAY = 10

# One per entry, kept across reloads so sends in flight settle where they reserved.
SPENDING: HassKey[dict[str, Spending]] = HassKey(f"{DOMAIN}_spending")


class StoredSpending(TypedDict):
    """What the Store keeps of one entry."""

    # The calendar day (Home Assistant's time zone) the day's counts belong to.
    day: str
    points_used_today: int
    # Points of sends whose outcome was unknown: they may have been spent.
    unknown_today: int
    points_used: int
    messages_sent: int


class SpendingLimitError(ServiceValidationError):
    """A send refused by a spending limit, before any request."""


def _storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.spending.{entry_id}"


def _today() -> date:
    return dt_util.now().date()


class Spending:
    """Today's use, the totals and the points reserved by sends in flight."""

    def __init__(self, hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
        """Start empty; async_load reads what was stored."""
        self.hass = hass
        self.entry = entry
        self._store: Store[StoredSpending] = Store(
            hass, STORAGE_VERSION, _storage_key(entry.entry_id)
        )
        self._day = _today()
        self._today = 0
        self._unknown = 0
        self._reserved = 0
        self._points_used = 0
        self._messages_sent = 0
        self._listeners: list[CALLBACK_TYPE] = []

    @property
    def issue_id(self) -> str:
        """ID of this entry's daily_limit_reached repair."""
        return f"{ISSUE_DAILY_LIMIT_REACHED}_{self.entry.entry_id}"

    @property
    def daily_limit(self) -> int:
        """The daily point limit now set (0: none)."""
        return int(self.entry.options.get(CONF_DAILY_POINT_LIMIT, 0))

    @property
    def send_limit(self) -> int:
        """The per-send point limit now set (0: none)."""
        return int(self.entry.options.get(CONF_MAX_POINTS_PER_SEND, 0))

    @property
    def points_used(self) -> int:
        """Points SMS-Get reported since the entry was added."""
        return self._points_used

    @property
    def messages_sent(self) -> int:
        """Recipients of the sends SMS-Get accepted."""
        return self._messages_sent

    @property
    def points_used_today(self) -> int:
        """Points SMS-Get reported today."""
        return self._today if self._day == _today() else 0

    @property
    def counted_today(self) -> int:
        """What counts against the daily limit: reported, unknown and reserved."""
        unknown = self._unknown if self._day == _today() else 0
        return self.points_used_today + unknown + self._reserved

    async def async_load(self) -> None:
        """Read the stored counts; a day gone by starts at zero."""
        if (stored := await self._store.async_load()) is None:
            return
        self._points_used = stored["points_used"]
        self._messages_sent = stored["messages_sent"]
        day = date.fromisoformat(stored["day"])
        if day == self._day:
            self._today = stored["points_used_today"]
            self._unknown = stored["unknown_today"]
        else:
            self._async_save()

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call update whenever a count changes; return the undo."""
        self._listeners.append(update)
        return lambda: self._listeners.remove(update)

    @callback
    def async_reserve(self, outgoing: Outgoing) -> Reservation:
        """Set the estimate aside, or refuse a send over a limit.

        Synchronous, so no other send can come between the check and the reservation.
        """
        self._async_roll()
        phones = outgoing.phones
        batches = deque(
            estimate(
                outgoing.message,
                phones[start : start + MAX_RECIPIENTS],
                two_way=outgoing.two_way,
            ).points
            for start in range(0, len(phones), MAX_RECIPIENTS)
        )
        points = sum(batches)
        used = self.counted_today
        if (limit := self.send_limit) and points > limit:
            raise _refusal("over_send_limit", limit, used, points)
        if (limit := self.daily_limit) and used + points > limit:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self.issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_DAILY_LIMIT_REACHED,
                translation_placeholders={
                    "username": str(self.entry.unique_id),
                    "limit": str(limit),
                    "used": str(used),
                    "estimate": str(points),
                },
            )
            raise _refusal("over_daily_limit", limit, used, points)
        self._reserved += points
        return Reservation(self, batches)

    @callback
    def async_check_issue(self) -> None:
        """Clear the repair once the daily limit is raised or removed."""
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id)
        if issue is None:
            return
        refused_at = int((issue.translation_placeholders or {}).get("limit", 0))
        limit = self.daily_limit
        if not limit or limit > refused_at:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)

    @callback
    def async_start_day(self, _now: datetime | None = None) -> None:
        """Start a new day at midnight (Home Assistant's time zone)."""
        if self._async_roll():
            self._async_update()

    async def async_remove(self) -> None:
        """Delete what is stored and the repair."""
        await self._store.async_remove()
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)

    def diagnostics(self) -> dict[str, Any]:
        """Today's use and the limits."""
        return {
            "day": self._day.isoformat(),
            "points_used_today": self.points_used_today,
            "counted_today": self.counted_today,
            "reserved": self._reserved,
            "daily_point_limit": self.daily_limit,
            "max_points_per_send": self.send_limit,
            "points_used": self._points_used,
            "messages_sent": self._messages_sent,
        }

    @callback
    def async_settle(self, estimated: int, points_used: int, recipients: int) -> None:
        """Replace a batch's estimate with the points SMS-Get reported."""
        self._async_roll()
        self._reserved -= estimated
        self._today += points_used
        self._points_used += points_used
        self._messages_sent += recipients
        self._async_save()
        self._async_update()

    @callback
    def async_release(self, estimated: int, *, maybe_spent: bool) -> None:
        """Give a batch's estimate back, or keep it counted when it may be spent."""
        self._reserved -= estimated
        if maybe_spent:
            self._async_roll()
            self._unknown += estimated
            self._async_save()

    @callback
    def _async_roll(self) -> bool:
        """Move to today if the day changed; True when it did."""
        if (today := _today()) == self._day:
            return False
        self._day = today
        self._today = self._unknown = 0
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        self._async_save()
        return True

    @callback
    def _async_save(self) -> None:
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)

    @callback
    def _data_to_save(self) -> StoredSpending:
        return {
            "day": self._day.isoformat(),
            "points_used_today": self._today,
            "unknown_today": self._unknown,
            "points_used": self._points_used,
            "messages_sent": self._messages_sent,
        }

    @callback
    def _async_update(self) -> None:
        for update in list(self._listeners):
            update()


class Reservation:
    """The points set aside for one send, one estimate per batch of 250."""

    def __init__(self, spending: Spending, batches: deque[int]) -> None:
        """Hold the estimates of the batches not answered yet."""
        self._spending = spending
        self._batches = batches

    @callback
    def async_accepted(self, points_used: int, recipients: int) -> None:
        """SMS-Get accepted the next batch: count what it reported."""
        self._spending.async_settle(self._batches.popleft(), points_used, recipients)

    @callback
    def async_failed(self, *, maybe_sent: bool) -> None:
        """Settle a failed batch; it stays counted when it may have gone out."""
        self._spending.async_release(self._batches.popleft(), maybe_spent=maybe_sent)
        self.async_release()

    @callback
    def async_release(self, *_: Any) -> None:
        """Give back the estimates of batches never sent."""
        while self._batches:
            self._spending.async_release(self._batches.popleft(), maybe_spent=False)


def _refusal(key: str, limit: int, used: int, points: int) -> SpendingLimitError:
    return SpendingLimitError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={
            "limit": str(limit),
            "used": str(used),
            "estimate": str(points),
        },
    )


async def async_setup_spending(hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
    """Load the entry's counts (once per run) and follow the clock and the options."""
    spendings = hass.data.setdefault(SPENDING, {})
    if (spending := spendings.get(entry.entry_id)) is None:
        spending = Spending(hass, entry)
        await spending.async_load()
        spendings[entry.entry_id] = spending
    spending.async_start_day()
    spending.async_check_issue()
    entry.async_on_unload(
        async_track_time_change(
            hass, spending.async_start_day, hour=0, minute=0, second=0
        )
    )
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))


async def _async_options_updated(hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
    async_get_spending(hass, entry).async_check_issue()


@callback
def async_get_spending(hass: HomeAssistant, entry: SmsGetConfigEntry) -> Spending:
    """Return the spending of a set-up entry."""
    return hass.data[SPENDING][entry.entry_id]


@callback
def async_reserve(
    hass: HomeAssistant, entry: SmsGetConfigEntry, outgoing: Outgoing
) -> Reservation:
    """Check the limits and reserve the estimate of a send, before any request."""
    return async_get_spending(hass, entry).async_reserve(outgoing)


async def async_remove_spending(hass: HomeAssistant, entry: SmsGetConfigEntry) -> None:
    """Forget a removed entry's counts, stored ones included."""
    spending = hass.data.get(SPENDING, {}).pop(entry.entry_id, None)
    if spending is None:
        spending = Spending(hass, entry)
    await spending.async_remove()
