"""Figure 2: callbacks under load against a real Home Assistant process.

Home Assistant runs as `python -m homeassistant` (started with sandbox/hass.py) in a
temporary configuration with this integration and bench/hass_helper.py, its SMS-Get
entry added through the config flow against a simulator served from this process.
5,000 callbacks (10% malformed, delivery reports and replies, 2% sent twice) go to
the SMS-Get webhook, 20 at a time, and the same 5,000 to the helper's bare webhook
and to its webhook that does Home Assistant's share of the work (figures 2i and 2e:
as many listened-to bus events as the callback has valid lines, and as many state
writes through an event entity as SMS-Get's event entities make; figure 2j: the
same states written with a bare async_set), in slices of 100 taken in turns;
everything on 127.0.0.1. Home Assistant's CPU time per callback is read from /proc,
each thread's in nanoseconds (figures 2i, 2j, 2h).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field
import json
from pathlib import Path
import re
from statistics import quantiles
import tempfile
from time import perf_counter
from typing import Any

import aiohttp
from aiohttp import web

from bench.data import Callback, load_callbacks
from bench.report import Figure
from sandbox import ROOT, ManagedProcess, free_port, start_hass, wait_until_up
from simulator import Account, Simulator

USERNAME = "bench"
PASSWORD = "bench-Pa55"
CONCURRENCY = 20
SLICE = 100
BARE_WEBHOOK_ID = "sms-get-bench-bare-webhook"
EVENTS_WEBHOOK_ID = "sms-get-bench-events-webhook"
# What the events webhook is told to do (bench/hass_helper.py).
EVENTS_PARAM = "bench_events"
WRITES_PARAM = "bench_writes"
VIA_PARAM = "bench_via"
VIA_STATE = "state"

CONFIGURATION = """\
# Written by bench/load.py: a Home Assistant with SMS-Get and the benchmark helper.
homeassistant:
  name: SMS-Get benchmark
  time_zone: Asia/Taipei
  country: TW
  internal_url: http://127.0.0.1:{port}
  external_url: http://127.0.0.1:{port}

http:
  server_host: 127.0.0.1
  server_port: {port}

logger:
  default: warning

sms_get_bench:
"""

MANIFEST = {
    "domain": "sms_get_bench",
    "name": "SMS-Get benchmark helper",
    "codeowners": [],
    "dependencies": ["event", "http", "webhook"],
    "documentation": "https://github.com/sms-get-ha/sms_get",
    "iot_class": "local_push",
    "version": "0.0.0",
}


@dataclass
class Run:
    """One pass of the callbacks over a webhook."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    # CPU seconds Home Assistant's process spent meanwhile; None where unknown.
    cpu: float | None = None

    def add(self, other: Run) -> None:
        """Count another slice in."""
        self.seconds += other.seconds
        if other.cpu is not None:
            self.cpu = (self.cpu or 0.0) + other.cpu
        self.latencies += other.latencies
        self.statuses.update(other.statuses)

    @property
    def cpu_per_callback(self) -> float | None:
        """Home Assistant's CPU time per callback, in µs."""
        return None if self.cpu is None else self.cpu / len(self.latencies) * 1e6

    @property
    def throughput(self) -> float:
        """Callbacks answered a second."""
        return len(self.latencies) / self.seconds

    def percentile(self, share: int) -> float:
        """The latency below which share% of the callbacks were answered, in ms."""
        return quantiles(self.latencies, n=100, method="inclusive")[share - 1] * 1000


def state_writes(callback: Callback) -> int:
    """The event-entity states a callback writes: each reply, a report's latest line."""
    if not callback.lines:
        return 0
    return len(callback.lines) if callback.lines[0][0] == "r" else 1


def process_cpu(pid: int) -> float | None:
    """CPU seconds a process's threads have used so far; None off Linux.

    Read from each thread's schedstat, in nanoseconds: /proc/PID/stat counts clock
    ticks (10 ms), too coarse for a slice of callbacks.
    """
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):  # a thread that just ended
                total += int((task / "schedstat").read_text("ascii").split()[0])
    except OSError:
        return None
    return total / 1e9


def prepare_config(directory: Path, port: int) -> Path:
    """A configuration directory with both integrations linked in."""
    config = directory / "config"
    components = config / "custom_components"
    helper = components / "sms_get_bench"
    helper.mkdir(parents=True)
    (config / "configuration.yaml").write_text(
        CONFIGURATION.format(port=port), encoding="utf-8"
    )
    (components / "sms_get").symlink_to(
        ROOT / "custom_components" / "sms_get", target_is_directory=True
    )
    (helper / "__init__.py").symlink_to(ROOT / "bench" / "hass_helper.py")
    (helper / "event.py").symlink_to(ROOT / "bench" / "hass_helper_event.py")
    (helper / "manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    return config


@contextlib.asynccontextmanager
async def serve_simulator() -> AsyncIterator[str]:
    """The simulator on a free loopback port; its base URL."""
    simulator = Simulator(
        accounts={USERNAME: Account(password=PASSWORD, points=10**6, two_way=True)}
    )
    runner = web.AppRunner(simulator.app, access_log=None)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def send_all(
    session: aiohttp.ClientSession,
    url: str,
    callbacks: list[Callback],
    *,
    tell_events: bool = False,
    via_state: bool = False,
    pid: int | None = None,
) -> Run:
    """Every callback, CONCURRENCY at a time.

    tell_events: add how many events and state writes the callback makes (for the
        events webhook).
    via_state: tell the events webhook to write its states with a bare async_set.
    pid: Home Assistant's process, whose CPU time is measured meanwhile.
    """
    pending = iter(callbacks)
    run = Run(0.0)

    async def worker() -> None:
        for callback in pending:
            kwargs: dict[str, Any] = (
                {"params": callback.params}
                if callback.place == "query"
                else {"data": callback.params}
            )
            if tell_events:
                told = {
                    EVENTS_PARAM: str(len(callback.lines)),
                    WRITES_PARAM: str(state_writes(callback)),
                }
                if via_state:
                    told[VIA_PARAM] = VIA_STATE
                if callback.place == "query":
                    kwargs["params"] = {**callback.params, **told}
                else:
                    kwargs["params"] = told
            start = perf_counter()
            async with session.request(callback.method, url, **kwargs) as response:
                await response.read()
                status = response.status
            run.latencies.append(perf_counter() - start)
            run.statuses[status] += 1

    cpu = None if pid is None else process_cpu(pid)
    start = perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    run.seconds = perf_counter() - start
    if pid is not None and cpu is not None and (now := process_cpu(pid)) is not None:
        run.cpu = now - cpu
    return run


async def _wait_for_helper(
    session: aiohttp.ClientSession, base: str, hass: ManagedProcess
) -> None:
    """Until the helper's view answers: Home Assistant has set everything up."""
    url = f"{base}/api/sms_get_bench/events"
    deadline = perf_counter() + 120
    while True:
        # Fails early, with the log's tail, when Home Assistant exits.
        await wait_until_up(
            session, url, hass, within=max(1, deadline - perf_counter())
        )
        async with session.get(url) as response:
            if response.status == 200:
                return
        if perf_counter() > deadline:
            raise RuntimeError("Home Assistant did not load the benchmark helper")
        await asyncio.sleep(0.2)


def _read_log(output: Path, keep: Path | None) -> str:
    """Home Assistant's console output, kept at keep too when asked."""
    text = (
        output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
    )
    if keep is not None:
        keep.write_text(text, encoding="utf-8")
    return text


# Loggers on the way of a callback; others (a missing ffmpeg, say) are not ours.
_OUR_PATH = (
    "custom_components.sms_get",
    "homeassistant.components.webhook",
    "homeassistant.components.http",
    "homeassistant.config_entries",
    "homeassistant.core",
    "homeassistant.setup",
    "aiohttp",
    "asyncio",
)
_ERROR = re.compile(r" (?:ERROR|CRITICAL) \([^)]*\) \[([^\]]+)\]")


def relevant_errors(log: str) -> list[str]:
    """Error lines of Home Assistant's log from the loggers a callback goes through."""
    return [
        line
        for line in log.splitlines()
        if (match := _ERROR.search(line)) and match.group(1).startswith(_OUR_PATH)
    ]


def expected_status(callback: Callback) -> int:
    """200 for a callback with anything usable, 400 for one without."""
    return 200 if callback.valid else 400


async def measure(
    count: int = 5000, log: Path | None = None, pending_asks: int = 0
) -> list[Figure]:
    """Start Home Assistant, load it, check every line, stop it; the figures.

    With pending_asks, that many sms_get.ask wait for answers throughout the load.
    """
    with tempfile.TemporaryDirectory(prefix="sms-get-bench-") as tmp:
        port = free_port()
        config = prepare_config(Path(tmp), port)
        output = Path(tmp) / "hass.out"
        base = f"http://127.0.0.1:{port}"
        hass: ManagedProcess | None = None
        try:
            async with (
                serve_simulator() as api_url,
                aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=CONCURRENCY),
                    timeout=aiohttp.ClientTimeout(total=60),
                ) as session,
            ):
                started = perf_counter()
                hass = start_hass(config, port, output=output)
                await _wait_for_helper(session, base, hass)
                startup = perf_counter() - started
                async with session.post(
                    f"{base}/api/sms_get_bench/setup",
                    json={
                        "username": USERNAME,
                        "password": PASSWORD,
                        "api_url": api_url,
                    },
                ) as response:
                    entry = await response.json()
                if entry.get("type") != "create_entry":
                    raise RuntimeError(f"The SMS-Get entry was not created: {entry}")
                ours_url = str(entry["webhook_url"])
                if pending_asks:
                    async with session.post(
                        f"{base}/api/sms_get_bench/asks",
                        json={"entry_id": entry["entry_id"], "count": pending_asks},
                    ) as response:
                        pending = (await response.json())["pending"]
                    if pending != pending_asks:
                        raise RuntimeError(
                            f"{pending} asks pending, not {pending_asks}"
                        )
                bare_url = f"{base}/api/webhook/{BARE_WEBHOOK_ID}"
                assert hass.process is not None
                figures = await _load(
                    session,
                    base,
                    ours_url,
                    bare_url,
                    count=count,
                    pid=hass.process.pid,
                )
                figures.append(
                    Figure(
                        "2g",
                        "load: Home Assistant start (context)",
                        startup,
                        "s",
                        None,
                        "info",
                    )
                )
        finally:
            if hass is not None:
                await hass.async_stop(grace=30)
        text = await asyncio.to_thread(_read_log, output, log)
    errors = relevant_errors(text)
    figures.append(
        Figure(
            "2f",
            "load: errors logged by the integration or its path",
            len(errors),
            "lines",
            0,
            "max",
            extra={"first": errors[:5]},
        )
    )
    return figures


async def _load(
    session: aiohttp.ClientSession,
    base: str,
    ours_url: str,
    bare_url: str,
    *,
    count: int,
    pid: int,
) -> list[Figure]:
    # Warm every path (connections, caches, the integration's first callback).
    events_url = bare_url.replace(BARE_WEBHOOK_ID, EVENTS_WEBHOOK_ID)
    warm = load_callbacks(300, seed=1, prefix="w")
    await send_all(session, ours_url, warm)
    await send_all(session, bare_url, warm)
    await send_all(session, events_url, warm, tell_events=True)
    await send_all(session, events_url, warm, tell_events=True, via_state=True)
    async with session.get(f"{base}/api/sms_get_bench/events") as response:
        before = {tuple(key): value for key, value in await response.json()}

    callbacks = load_callbacks(count, seed=8, prefix="x")
    # Interleaved in slices, so that a slower moment of the machine (2 cores, shared
    # with the load generator) weighs on all alike; in turns, so that none always
    # follows another (and pays for its garbage).
    ours, bare, events, states = Run(0.0), Run(0.0), Run(0.0), Run(0.0)
    runs: list[tuple[Run, str, dict[str, bool]]] = [
        (bare, bare_url, {}),
        (ours, ours_url, {}),
        (events, events_url, {"tell_events": True}),
        (states, events_url, {"tell_events": True, "via_state": True}),
    ]
    for index, start in enumerate(range(0, count, SLICE)):
        part = callbacks[start : start + SLICE]
        turn = index % len(runs)
        for run, url, options in runs[turn:] + runs[:turn]:
            run.add(await send_all(session, url, part, pid=pid, **options))

    async with session.get(f"{base}/api/sms_get_bench/events") as response:
        after = {tuple(key): value for key, value in await response.json()}
    fired = Counter({key: value - before.get(key, 0) for key, value in after.items()})
    expected = {line for callback in callbacks for line in callback.lines}
    missing = sum(1 for line in expected if fired.get(line, 0) == 0)
    twice = sum(1 for line in expected if fired.get(line, 0) > 1)
    stray = sum(1 for key, value in fired.items() if value and key not in expected)
    wanted = Counter(expected_status(callback) for callback in callbacks)
    server_errors = sum(
        value for status, value in ours.statuses.items() if status >= 500
    )
    context = {
        "callbacks": count,
        "concurrency": CONCURRENCY,
        "valid_lines": len(expected),
        "statuses": dict(ours.statuses),
        "expected_statuses": dict(wanted),
        "slices": -(-count // SLICE),
    }
    return [
        Figure(
            "2",
            f"load: {count} callbacks, {CONCURRENCY} at a time (context)",
            ours.throughput,
            "req/s",
            None,
            "info",
            floor=bare.throughput,
            extra=context,
        ),
        Figure(
            "2i",
            "load: Home Assistant's CPU per callback, against its share",
            ours.cpu_per_callback or 0.0,
            "us",
            1.25,
            "ratio_max",
            floor=events.cpu_per_callback,
        ),
        Figure(
            "2j",
            "load: the same, its share's states written bare (context)",
            ours.cpu_per_callback or 0.0,
            "us",
            None,
            "info",
            floor=states.cpu_per_callback,
        ),
        Figure(
            "2a",
            "load: lines not fired exactly once",
            missing + twice + stray,
            "lines",
            0,
            "max",
            extra={"missing": missing, "twice": twice, "stray": stray},
        ),
        Figure(
            "2b",
            "load: answers 5xx, or not as expected",
            server_errors + sum(abs(ours.statuses[s] - wanted[s]) for s in wanted),
            "answers",
            0,
            "max",
            extra={"5xx": server_errors},
        ),
        Figure(
            "2e",
            "load: against a webhook doing Home Assistant's share (context)",
            ours.throughput,
            "req/s",
            None,
            "info",
            floor=events.throughput,
        ),
        Figure(
            "2h",
            "load: Home Assistant's CPU per callback (context)",
            ours.cpu_per_callback or 0.0,
            "us",
            None,
            "info",
            floor=bare.cpu_per_callback,
            extra={
                "events_webhook": events.cpu_per_callback,
                "events_webhook_bare_states": states.cpu_per_callback,
            },
        ),
        Figure(
            "2c",
            "load: latency p50",
            ours.percentile(50),
            "ms",
            None,
            "info",
            floor=bare.percentile(50),
        ),
        Figure(
            "2d",
            "load: latency p99",
            ours.percentile(99),
            "ms",
            None,
            "info",
            floor=bare.percentile(99),
        ),
    ]
