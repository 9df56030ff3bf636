"""The in-process benchmarks (1, 3, 4b, 5, 6): pytest tests that record figures.

Run by ``python -m bench`` as ``pytest bench/harness.py``, on the test harness's
Home Assistant (pytest-homeassistant-custom-component) with asyncio debug mode off.
They check what they measure too, but they assert no speed: bench/__main__.py
compares the figures with their targets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import gc
from http import HTTPStatus
import logging
from statistics import median
from time import perf_counter
from types import FunctionType, ModuleType
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_platform
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.entity_platform import EntityPlatform
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.data import e164_numbers, mixed_numbers, provider_numbers, report_callback
from bench.memory import deep_size
from bench.report import Figure, record
from custom_components.sms_get.const import DOMAIN
from custom_components.sms_get.provider import RecentLines, SmsGetClient
from custom_components.sms_get.webhook import DATA_WEBHOOK
from simulator import Simulator
from tests.conftest import PASSWORD, USERNAME, WEBHOOK_ID

type Client = TestClient[Any, Any]

BARE_ID = "bench-bare-webhook"
BARE_EVENT = "bench_bare_event"
LINES = 250


def _ms(seconds: float) -> float:
    return seconds * 1000


async def test_webhook_callback_of_250_lines(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> None:
    """Figure 1: one 250-line delivery report through HTTP, against a bare webhook.

    The floor is a webhook handler that answers ok and fires 250 events of the same
    data on the bus. Both are timed from the request to the bus being idle again,
    interleaved, on unique lines (the duplicate filter must not skip any).
    """
    prepared = [
        {
            "config_entry_id": init_integration.entry_id,
            "message_id": "m",
            "phone": f"09{n:08d}",
            "recipient_message_id": f"r{n}",
            "reported_at": "2026-01-01T21:08:07+08:00",
            "status": "DELIVRD",
            "delivered": True,
        }
        for n in range(LINES)
    ]

    async def bare(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        await request.read()
        for data in prepared:
            hass.bus.async_fire(BARE_EVENT, data)
        return web.Response(text="ok")

    webhook.async_register(hass, "bench", "Bare", BARE_ID, bare, local_only=False)
    fired = {"sms_get_delivery_report": 0, BARE_EVENT: 0}

    def count(event: Any) -> None:
        fired[event.event_type] += 1

    for event_type in fired:
        hass.bus.async_listen(event_type, count)
    client = await hass_client_no_auth()

    async def timed(webhook_id: str, params: dict[str, str]) -> float:
        start = perf_counter()
        response = await client.post(f"/api/webhook/{webhook_id}", params=params)
        assert response.status == HTTPStatus.OK
        assert await response.text() == "ok"
        await hass.async_block_till_done()
        return perf_counter() - start

    warmup, rounds = 10, 60
    ours: list[float] = []
    floor: list[float] = []
    for index in range(warmup + rounds):
        params = report_callback(f"m{index:05d}", LINES, start=index * LINES)
        pair = [(WEBHOOK_ID, ours), (BARE_ID, floor)]
        for webhook_id, times in pair if index % 2 else reversed(pair):
            elapsed = await timed(webhook_id, params)
            if index >= warmup:
                times.append(elapsed)
    assert fired == {
        "sms_get_delivery_report": LINES * (warmup + rounds),
        BARE_EVENT: LINES * (warmup + rounds),
    }
    record(
        Figure(
            "1",
            "webhook: one 250-line callback (p50)",
            _ms(median(ours)),
            "ms",
            1.5,
            "ratio_max",
            floor=_ms(median(floor)),
            extra={
                "rounds": rounds,
                "ours_min_ms": _ms(min(ours)),
                "floor_min_ms": _ms(min(floor)),
            },
        )
    )


def hostile_callbacks() -> dict[str, dict[str, str]]:
    """Return 1 MB callbacks of the shapes that once made parsing slow, and 1,000 replies.

    Each is as large as a body may be once form-encoded (the limit is 1 MB).
    """
    size = 1_000_000
    time = "2026-01-01 21:08:07"
    text = quote("03 " + "好" * 38, safe="")
    good = [f"09{n:08d}|h{n}|{time}|{text}" for n in range(1000)]
    return {
        "spaces": {"content": "0912345678|" + " " * (size - 100) + "x"},
        "status spaces": {
            "sms_id": "m1",
            "content": f"0912345678|a|{time}|D" + " " * (size - 100) + "X",
        },
        "pipes": {"content": "|" * (size // 3)},
        "digits": {"content": "9" * (size - 100)},
        "percent": {"content": f"0912345678|b|{time}|" + "%" * (size // 3)},
        "commas": {"content": "," * (size // 3)},
        "raw commas": {"content": "a," * (size // 4)},
        "many lines": {
            "sms_id": "m2",
            "content": ",".join(f"0912345678|c{n}|{time}|X" for n in range(15_000)),
        },
        "1,000 long replies": {"content": ",".join(good)},
    }


async def test_hostile_callbacks(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> None:
    """Figures 6a and 6b: 1 MB hostile callbacks, refused or parsed.

    6a: the time from the request to the answer and the bus being idle again, for the
    slowest shape; 6b: the longest the event loop went without running a ticker that
    asks to run every millisecond, while one of them was handled.
    """
    client = await hass_client_no_auth()
    stalls: dict[str, float] = {}
    times: dict[str, float] = {}
    statuses: dict[str, int] = {}

    async def ticker(gaps: list[float], stop: asyncio.Event) -> None:
        last = perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = perf_counter()
            gaps.append(now - last)
            last = now

    for name, params in hostile_callbacks().items():
        body = urlencode(params).encode()
        assert len(body) <= 1024 * 1024, name
        worst_time, worst_stall = 0.0, 0.0
        for _ in range(3):
            gaps: list[float] = []
            stop = asyncio.Event()
            tick = asyncio.create_task(ticker(gaps, stop))
            await asyncio.sleep(0.01)
            start = perf_counter()
            response = await client.post(
                f"/api/webhook/{WEBHOOK_ID}",
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            await response.read()
            await hass.async_block_till_done()
            elapsed = perf_counter() - start
            stop.set()
            await tick
            statuses[name] = response.status
            worst_time = max(worst_time, elapsed)
            worst_stall = max(worst_stall, *gaps)
        times[name], stalls[name] = _ms(worst_time), _ms(worst_stall)
    assert statuses["1,000 long replies"] == HTTPStatus.OK
    assert statuses["many lines"] == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    slowest = max(times, key=times.__getitem__)
    stalled = max(stalls, key=stalls.__getitem__)
    record(
        Figure(
            "6a",
            f"hostile: 1 MB callback answered (worst: {slowest})",
            times[slowest],
            "ms",
            None,
            "info",
            extra={"ms": times, "statuses": statuses},
        )
    )
    record(
        Figure(
            "6b",
            f"hostile: event loop stall, 1 MB callback (worst: {stalled})",
            stalls[stalled],
            "ms",
            100.0,
            "max",
            extra={"ms": stalls},
        )
    )


async def test_send_to_one_recipient(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """Figure 3a: the action for one recipient against the client called directly."""
    simulator.accounts[USERNAME].points = 10**9
    client = init_integration.runtime_data.client
    data = {"message": "Benchmark", "recipients": ["0912345678"]}

    async def action() -> None:
        response = await hass.services.async_call(
            DOMAIN, "send_message", data, blocking=True, return_response=True
        )
        assert response is not None
        assert response["recipients"] == 1

    async def direct() -> None:
        result = await client.send("Benchmark", ["0912345678"])
        assert result.points_used == 1

    warmup, rounds = 30, 300
    ours: list[float] = []
    floor: list[float] = []
    for index in range(warmup + rounds):
        pair = [(action, ours), (direct, floor)]
        for call, times in pair if index % 2 else reversed(pair):
            start = perf_counter()
            await call()
            await hass.async_block_till_done()
            if index >= warmup:
                times.append(perf_counter() - start)
    assert len(simulator.messages) == 2 * (warmup + rounds)
    record(
        Figure(
            "3a",
            "send: action for 1 recipient vs client (p50)",
            _ms(median(ours)),
            "ms",
            1.0,
            "max",
            floor=_ms(median(floor)),
            extra={"rounds": rounds},
        )
    )


async def test_ten_thousand_recipients(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Figure 3b: 10,000 numbers in mixed formats checked, normalised and costed.

    Through the estimate action (schema, validation, normalisation, duplicates, cost:
    everything a send does before its first request); fresh numbers every round.
    Figures 3c and 3d: the same for numbers already in the provider's format and
    for E.164 ones, per number.
    """

    async def estimate(numbers: list[str]) -> float:
        start = perf_counter()
        response = await hass.services.async_call(
            DOMAIN,
            "estimate",
            {"message": "Typhoon warning: stay home", "recipients": numbers},
            blocking=True,
            return_response=True,
        )
        elapsed = perf_counter() - start
        assert response is not None
        recipients = response["recipients"]
        assert isinstance(recipients, list)
        assert len(recipients) == len(numbers)
        return elapsed

    await estimate(mixed_numbers(200, seed=0))
    mixed = [await estimate(mixed_numbers(10_000, seed=seed)) for seed in range(1, 6)]
    provider = [
        await estimate(provider_numbers(10_000, seed=seed)) for seed in range(6, 9)
    ]
    e164 = [await estimate(e164_numbers(10_000, seed=seed)) for seed in range(9, 12)]
    record(
        Figure(
            "3b",
            "send: 10,000 mixed numbers validated (p50)",
            _ms(median(mixed)),
            "ms",
            500.0,
            "max",
            extra={"rounds": len(mixed), "max_ms": _ms(max(mixed))},
        )
    )
    record(
        Figure(
            "3c",
            "send: per provider-format number",
            median(provider) / 10_000 * 1e6,
            "us",
            None,
            "info",
        )
    )
    record(
        Figure(
            "3d",
            "send: per E.164 number",
            median(e164) / 10_000 * 1e6,
            "us",
            None,
            "info",
        )
    )


async def test_setup_entry(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    external_url: str,
    simulator: Simulator,
) -> None:
    """Figure 5: setup to loaded, without the provider's latency.

    The provider's latency is the median credit query on loopback, subtracted. The
    first setup also imports the platforms; the figure is the median of the later
    ones (unload, then setup), as after a reload.
    """
    client = SmsGetClient(
        async_get_clientsession(hass),
        USERNAME,
        PASSWORD,
        base_url=simulator.url,
    )
    latency = []
    for _ in range(30):
        start = perf_counter()
        await client.query_credit()
        latency.append(perf_counter() - start)
    provider = median(latency[5:])
    mock_config_entry.add_to_hass(hass)
    entry_id = mock_config_entry.entry_id

    async def setup() -> float:
        start = perf_counter()
        assert await hass.config_entries.async_setup(entry_id)
        await hass.async_block_till_done()
        elapsed = perf_counter() - start
        credit = hass.states.get("sensor.sms_get_hauser_credit")
        assert credit is not None
        assert credit.state == "1000"
        return elapsed

    cold = await setup()
    warm = []
    for _ in range(20):
        assert await hass.config_entries.async_unload(entry_id)
        await hass.async_block_till_done()
        warm.append(await setup())
    record(
        Figure(
            "5",
            "setup: entry to loaded, reloaded (p50)",
            _ms(median(warm)),
            "ms",
            50.0,
            "max",
            floor=_ms(provider),
            extra={"first_setup_ms": _ms(cold), "rounds": len(warm)},
        )
    )
    record(
        Figure(
            "5b",
            "setup: first, with platform imports",
            _ms(cold),
            "ms",
            None,
            "info",
            floor=_ms(provider),
        )
    )


async def test_nothing_grows_with_traffic(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> None:
    """Figure 4b: what the integration holds does not grow with traffic.

    Everything reachable from the entry's runtime data, the webhook's state and the
    integration's entities (the client, the coordinator, the duplicate filter, the
    entities' state), stopping at Home Assistant's own objects, measured once the duplicate
    filter has turned over, then after 20,000 more callback lines through HTTP.
    """
    client = await hass_client_no_auth()
    url = f"/api/webhook/{WEBHOOK_ID}"

    async def traffic(first: int, callbacks: int) -> None:
        for index in range(first, first + callbacks):
            response = await client.post(
                url, params=report_callback(f"g{index:06d}", 100, start=index * 100)
            )
            assert response.status == HTTPStatus.OK
            await hass.async_block_till_done()

    def held() -> int:
        roots: list[object] = [init_integration.runtime_data, hass.data[DATA_WEBHOOK]]
        for platform in entity_platform.async_get_platforms(hass, DOMAIN):
            roots.extend(platform.entities.values())
        return deep_size(roots, stop=_HOME_ASSISTANTS_OWN)

    # Two turnovers of the duplicate filter: its table has its lasting size.
    await traffic(0, 2 * RecentLines().maxlen // 100 + 1)
    gc.collect()
    before = held()
    await traffic(100, 200)
    gc.collect()
    after = held()
    record(
        Figure(
            "4b",
            "memory: held by the integration after 20,000 more lines",
            after,
            "B",
            1.0,
            "ratio_max",
            floor=before,
        )
    )


# Shared with the rest of Home Assistant, or its own: not the integration's to hold.
_HOME_ASSISTANTS_OWN: tuple[type, ...] = (
    HomeAssistant,
    ConfigEntry,
    EntityPlatform,
    ClientSession,
    logging.Logger,
    asyncio.AbstractEventLoop,
    FunctionType,
    type,
    ModuleType,
)
