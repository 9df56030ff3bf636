"""The in-process benchmarks of sms_get.ask (7, 7b, 7c): pytest tests that record figures.

Run by ``python -m bench`` beside bench/harness.py, on the test harness's Home
Assistant. Each figure is interleaved with its floor, measured in the same run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from http import HTTPStatus
from statistics import median
from time import perf_counter
from typing import Any
from urllib.parse import quote

from aiohttp.test_utils import TestClient
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, ServiceResponse
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.data import report_callback
from bench.report import Figure, record
from custom_components.sms_get.const import DOMAIN
from custom_components.sms_get.provider.callbacks import PROVIDER_TZ
from simulator import Account, Simulator
from tests.conftest import PASSWORD, USERNAME, WEBHOOK_ID

type Client = TestClient[Any, Any]
type Ask = asyncio.Task[ServiceResponse]

OTHER = "bench2"
OTHER_WEBHOOK_ID = "b" * 64
PENDING = 1000
LINES = 250


def _ms(seconds: float) -> float:
    return seconds * 1000


def _now() -> str:
    """The carrier's time of a fresh reply, on the provider's clock."""
    return datetime.now(PROVIDER_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _replies(lines: list[tuple[str, str, str]]) -> dict[str, str]:
    """A reply callback of (phone, recipient message ID, text) lines."""
    time = _now()
    return {
        "content": ",".join(
            f"{phone}|{rid}|{time}|{quote(text, safe='')}" for phone, rid, text in lines
        )
    }


def _ask(hass: HomeAssistant, phone: str, entry_id: str, **data: Any) -> Ask:
    return hass.async_create_background_task(
        hass.services.async_call(
            DOMAIN,
            "ask",
            {
                "message": "Open the gate? Reply 1",
                "recipient": phone,
                "config_entry_id": entry_id,
                **data,
            },
            blocking=True,
            return_response=True,
        ),
        "bench ask",
    )


async def _second_entry(
    hass: HomeAssistant, simulator: Simulator, entry_data: dict[str, Any]
) -> MockConfigEntry:
    """Another account beside hauser, with its own webhook."""
    simulator.accounts[OTHER] = Account(password=PASSWORD, points=10**9, two_way=True)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=OTHER,
        unique_id=OTHER,
        data={
            **entry_data,
            CONF_USERNAME: OTHER,
            CONF_PASSWORD: PASSWORD,
            CONF_WEBHOOK_ID: OTHER_WEBHOOK_ID,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_reply_to_ask_returning(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> None:
    """Figure 7: a reply callback's arrival to ask returning, against no ask pending.

    Ours: the callback of one reply line POSTed while an ask waits for that phone,
    until the ask has returned its response. The floor: the same callback (another
    phone) with no ask pending, until the webhook has answered and the bus is idle.
    """
    simulator.accounts[USERNAME].points = 10**9
    client = await hass_client_no_auth()
    url = f"/api/webhook/{WEBHOOK_ID}"
    entry_id = init_integration.entry_id

    async def callback(params: dict[str, str]) -> None:
        response = await client.post(url, params=params)
        assert response.status == HTTPStatus.OK
        await hass.async_block_till_done()

    warmup, rounds = 20, 200
    ours: list[float] = []
    floor: list[float] = []
    for index in range(warmup + rounds):
        ask = _ask(hass, "0912345678", entry_id, answers=["1"])
        await hass.async_block_till_done()
        assert len(init_integration.runtime_data.asks) == 1

        async def answered(index: int = index, ask: Ask = ask) -> None:
            await callback(_replies([("0912345678", f"a{index}", "1")]))
            response = await ask
            assert response is not None
            assert response["answered"] is True

        async def unanswered(index: int = index) -> None:
            await callback(_replies([("0922333444", f"n{index}", "1")]))

        pair = [(answered, ours), (unanswered, floor)]
        for run, times in pair if index % 2 else reversed(pair):
            start = perf_counter()
            await run()
            if index >= warmup:
                times.append(perf_counter() - start)
    assert len(init_integration.runtime_data.asks) == 0
    record(
        Figure(
            "7",
            "ask: reply callback to ask returning vs no ask pending (p50)",
            _ms(median(ours)),
            "ms",
            1.2,
            "ratio_max",
            floor=_ms(median(floor)),
            extra={"rounds": rounds},
        )
    )


async def test_webhook_with_asks_pending(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    entry_data: dict[str, Any],
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> None:
    """Figures 7b and 7c: figure 1's callback, and 250 replies, with 1,000 asks pending.

    Two accounts in one Home Assistant: hauser with 1,000 asks pending, another with
    none. 7b: figure 1's 250-line delivery report to each, interleaved. 7c: a callback
    of 250 replies from phones with an ask pending that do not answer it (the whole
    match), against the same callback to the account with none.
    """
    simulator.accounts[USERNAME].points = 10**9
    other = await _second_entry(hass, simulator, entry_data)
    phones = [f"09{n:08d}" for n in range(PENDING)]
    asks = [
        _ask(hass, phone, init_integration.entry_id, answers=["1"], timeout=86400)
        for phone in phones
    ]
    await hass.async_block_till_done()
    assert len(init_integration.runtime_data.asks) == PENDING
    client = await hass_client_no_auth()
    urls = (f"/api/webhook/{WEBHOOK_ID}", f"/api/webhook/{OTHER_WEBHOOK_ID}")

    async def timed(url: str, params: dict[str, str]) -> float:
        start = perf_counter()
        response = await client.post(url, params=params)
        assert response.status == HTTPStatus.OK
        await hass.async_block_till_done()
        return perf_counter() - start

    async def measure(
        params_of: Callable[[int], dict[str, str]],
    ) -> tuple[list[float], list[float]]:
        warmup, rounds = 10, 120
        pending: list[float] = []
        none: list[float] = []
        for index in range(warmup + rounds):
            params = params_of(index)
            pair = [(urls[0], pending), (urls[1], none)]
            for url, times in pair if index % 2 else reversed(pair):
                elapsed = await timed(url, params)
                if index >= warmup:
                    times.append(elapsed)
        return pending, none

    reports = await measure(
        lambda index: report_callback(f"p{index:05d}", LINES, start=index * LINES)
    )
    replies = await measure(
        lambda index: _replies(
            [
                (phones[(index * LINES + n) % PENDING], f"q{index}x{n}", "maybe")
                for n in range(LINES)
            ]
        )
    )
    # Not one of them answered: every ask still waits.
    assert len(init_integration.runtime_data.asks) == PENDING
    assert len(other.runtime_data.asks) == 0
    for key, title, (pending, none) in (
        ("7b", "webhook: figure 1 with 1,000 asks pending (p50)", reports),
        ("7c", "webhook: 250 replies, 1,000 asks pending (p50)", replies),
    ):
        record(
            Figure(
                key,
                title,
                _ms(median(pending)),
                "ms",
                1.05,
                "ratio_max",
                floor=_ms(median(none)),
                extra={"rounds": len(pending), "pending": PENDING},
            )
        )
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    results = await asyncio.gather(*asks)
    assert {result["reason"] for result in results if result} == {"cancelled"}
