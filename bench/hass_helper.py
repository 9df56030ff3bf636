"""sms_get_bench: a helper integration that bench/load.py puts into a real Home Assistant.

Linked as custom_components/sms_get_bench/__init__.py of the benchmark's configuration
(bench/load.py writes its manifest). It gives the load benchmark what it needs and
nothing more, on loopback only:

- a bare webhook that answers ``ok`` and does nothing else: the floor of figure 2;
- a webhook that answers ``ok`` after firing as many events as it is told, with
  data the size of SMS-Get's, listened to as SMS-Get's are, and writing as many
  states as SMS-Get's event entities do, through an event entity of its own
  (bench/hass_helper_event.py): what Home Assistant's own share costs (figures 2i,
  2e); told ``bench_via=state``, it writes them with a bare ``async_set`` instead,
  which skips the entity machinery (figure 2j, the former floor of 2i);
- a count of every SMS-Get callback event by the identity of its line, so the
  benchmark can check that each valid line fired exactly once
  (GET /api/sms_get_bench/events);
- the SMS-Get config flow, run as a user would, pointed at the simulator
  (POST /api/sms_get_bench/setup).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import Platform
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.helpers.discovery import async_load_platform
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

if TYPE_CHECKING:
    from bench.hass_helper_event import MirrorEntity

DOMAIN = "sms_get_bench"
BARE_WEBHOOK_ID = "sms-get-bench-bare-webhook"
EVENTS_WEBHOOK_ID = "sms-get-bench-events-webhook"
# The events webhook fires as many events, and writes as many states, as these say;
# through its event entity, or with a bare async_set when VIA_PARAM is VIA_STATE.
EVENTS_PARAM = "bench_events"
WRITES_PARAM = "bench_writes"
VIA_PARAM = "bench_via"
VIA_STATE = "state"
# Apart from the mirror entity's own (event.sms_get_bench_mirror).
MIRROR_ENTITY = "event.sms_get_bench_bare_mirror"
BARE_EVENT = "sms_get_bench_event"
# Set by the helper's event platform (bench/hass_helper_event.py), which follows
# SIGNAL_MIRROR.
MIRROR: HassKey[MirrorEntity] = HassKey("sms_get_bench_mirror")
SIGNAL_MIRROR = "sms_get_bench_mirror"
DELIVERY_REPORT = "sms_get_delivery_report"
REPLY = "sms_get_reply_received"


def line_identity(event_type: str, data: Mapping[str, Any]) -> tuple[str, ...]:
    """What tells one callback line from another, as bench/data.py writes it."""
    if event_type == DELIVERY_REPORT:
        return (
            "d",
            data["message_id"],
            data["phone"],
            data["recipient_message_id"],
            data["status"],
        )
    return ("r", data["phone"], data["recipient_message_id"], data["raw_text"])


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the bare webhook, the event counter, the views and the mirror entity."""
    await async_load_platform(hass, Platform.EVENT, DOMAIN, {}, config)
    # Kept as fired and counted when asked: the listener adds as little as it can to
    # the figure it checks.
    fired: list[tuple[str, Mapping[str, Any]]] = []

    @callback
    def keep(event: Event[Any]) -> None:
        fired.append((str(event.event_type), event.data))

    for event_type in (DELIVERY_REPORT, REPLY):
        hass.bus.async_listen(event_type, keep)

    async def bare(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    event_data = {
        "config_entry_id": "01JSMSGETENTRY0000000000000",
        "message_id": "59c4e123",
        "phone": "0912345678",
        "recipient_message_id": "59c4e124",
        "reported_at": "2026-01-01T21:08:07+08:00",
        "status": "DELIVRD",
        "delivered": True,
    }

    floor_fired: list[Mapping[str, Any]] = []

    @callback
    def keep_floor(event: Event[Any]) -> None:
        floor_fired.append(event.data)

    # Listened to as SMS-Get's events are, so that the bus creates them alike.
    hass.bus.async_listen(BARE_EVENT, keep_floor)

    async def events(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        await request.read()
        count = int(request.query.get(EVENTS_PARAM, "0"))
        if not count:
            return web.Response(text="ok")
        context = Context()
        for _ in range(count):
            hass.bus.async_fire(BARE_EVENT, event_data, context=context)
        writes = range(int(request.query.get(WRITES_PARAM, "0")))
        if request.query.get(VIA_PARAM) == VIA_STATE:
            # What the state machine alone costs.
            for line in writes:
                hass.states.async_set(
                    MIRROR_ENTITY,
                    dt_util.utcnow().isoformat(timespec="milliseconds"),
                    {"event_type": "delivered", **event_data, "line": line},
                    context=context,
                )
            return web.Response(text="ok")
        # What an event entity's state writes cost Home Assistant.
        for line in writes:
            async_dispatcher_send(
                hass, SIGNAL_MIRROR, "delivered", {**event_data, "line": line}, context
            )
        return web.Response(text="ok")

    webhook.async_register(
        hass,
        DOMAIN,
        "Events webhook",
        EVENTS_WEBHOOK_ID,
        events,
        local_only=False,
        allowed_methods=("GET", "POST", "PUT"),
    )
    webhook.async_register(
        hass,
        DOMAIN,
        "Bare webhook",
        BARE_WEBHOOK_ID,
        bare,
        local_only=False,
        allowed_methods=("GET", "POST", "PUT"),
    )
    hass.http.register_view(EventsView(fired))
    hass.http.register_view(SetupView())
    hass.http.register_view(AsksView())
    return True


class EventsView(HomeAssistantView):
    """The callback events fired so far, counted by line."""

    url = "/api/sms_get_bench/events"
    name = "api:sms_get_bench:events"
    requires_auth = False

    def __init__(self, fired: list[tuple[str, Mapping[str, Any]]]) -> None:
        self.fired = fired

    async def get(self, request: web.Request) -> web.Response:
        """[[identity, count], ...]."""
        counts = Counter(line_identity(kind, data) for kind, data in self.fired)
        return self.json([[list(key), value] for key, value in counts.items()])


class SetupView(HomeAssistantView):
    """Add an SMS-Get account through its config flow, as a user does."""

    url = "/api/sms_get_bench/setup"
    name = "api:sms_get_bench:setup"
    requires_auth = False

    async def post(self, request: web.Request) -> web.Response:
        """{username, password, api_url} -> {type, entry_id, webhook_url}."""
        hass = request.app[KEY_HASS]
        body = await request.json()
        flows = hass.config_entries.flow
        result = await flows.async_init("sms_get", context={"source": SOURCE_USER})
        result = await flows.async_configure(
            result["flow_id"],
            {
                "username": body["username"],
                "password": body["password"],
                "advanced": {"api_url": body["api_url"]},
            },
        )
        if result["type"] != "create_entry":
            return self.json(
                {"type": str(result["type"]), "errors": result.get("errors")},
                HTTPStatus.BAD_REQUEST,
            )
        await hass.async_block_till_done()
        # Added, and following the events webhook's signal.
        if MIRROR not in hass.data or hass.data[MIRROR].hass is None:
            return self.json({"type": "no mirror entity"}, HTTPStatus.BAD_REQUEST)
        placeholders = result.get("description_placeholders") or {}
        return self.json(
            {
                "type": "create_entry",
                "entry_id": result["result"].entry_id,
                "webhook_url": placeholders["webhook_url"],
            }
        )


class AsksView(HomeAssistantView):
    """Leave asks pending on the SMS-Get entry, as a household waiting for answers."""

    url = "/api/sms_get_bench/asks"
    name = "api:sms_get_bench:asks"
    requires_auth = False

    async def post(self, request: web.Request) -> web.Response:
        """{entry_id, count} -> {pending}: one ask per phone, waiting 24 hours."""
        hass = request.app[KEY_HASS]
        body = await request.json()
        entry = hass.config_entries.async_get_entry(body["entry_id"])
        assert entry is not None
        for index in range(int(body["count"])):
            hass.async_create_background_task(
                hass.services.async_call(
                    "sms_get",
                    "ask",
                    {
                        "message": "Open the gate? Reply 1",
                        "recipient": f"09{index:08d}",
                        "answers": ["1"],
                        "timeout": {"hours": 24},
                    },
                    blocking=True,
                    return_response=True,
                ),
                "sms_get_bench ask",
            )
        # The sends are Home Assistant's tasks: once done, every ask waits.
        await hass.async_block_till_done()
        return self.json({"pending": len(entry.runtime_data.asks)})
