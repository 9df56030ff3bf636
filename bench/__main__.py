"""python -m bench: every benchmark of SMS-Get, a table and one JSON line.

Figures (each against a floor measured in the same run):
  1   webhook: one 250-line delivery report through HTTP, against a bare webhook
      that answers ok and fires 250 events (at most 1.5 times)
  2   load: 5,000 callbacks, 20 at a time, against a real Home Assistant process:
      Home Assistant's CPU per callback against a webhook doing Home Assistant's
      share of the same work, the events and the state writes through an event
      entity (2i: at most 1.25 times), every valid line fired exactly once (2a), no
      5xx (2b); for context, throughput against a bare webhook's (2), latency p50
      and p99 (2c, 2d), throughput against the webhook doing Home Assistant's share
      (2e), the CPU per callback against the bare webhook's (2h) and against the
      share with its states written by a bare async_set (2j)
  3a  send: the action for one recipient against the simulator, against the client
      called directly (at most 1 ms more); 3b: 10,000 numbers in mixed formats
      validated and normalised (at most 0.5 s)
  4a  memory: the duplicate filter after 1,000,000 distinct lines stays at its
      bound; 4b: nothing the integration holds grows with traffic
  5   setup: the entry to loaded, without the provider's latency (at most 50 ms)
  6   hostile: 1 MB callbacks of the shapes that once made parsing slow, and 1,000
      long replies: the slowest answer (6a), and the longest the event loop stalled
      meanwhile (6b: under 100 ms)
  7   ask: a reply callback's arrival to sms_get.ask returning, against the same
      callback with no ask pending (at most 1.2 times); 7b, 7c: figure 1's callback
      and one of 250 replies with 1,000 asks pending, against none (at most 1.05);
      figure 2 with asks pending: --pending-asks 1000, compared with a run without
The in-process figures (1, 3, 4b, 5, 6, 7) run in the test harness's Home Assistant
(bench/harness.py, bench/asks.py); figure 2 in a real one (bench/load.py). Exit
status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
import platform
import subprocess
import sys
import tempfile
import time

from homeassistant.const import __version__ as HA_VERSION

from bench import load, memory
from bench.report import RESULTS_ENV, Figure, json_line, load as load_figures, table
from sandbox import ROOT


def run_harness(results: Path, verbose: bool) -> tuple[int, str]:
    """pytest bench/harness.py; its exit status and output."""
    process = subprocess.run(  # noqa: PLW1510
        [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "bench" / "harness.py"),
            str(ROOT / "bench" / "asks.py"),
            "-q",
            "-p",
            "no:cacheprovider",
            "--no-header",
        ],
        cwd=ROOT,
        env={**os.environ, RESULTS_ENV: str(results)},
        capture_output=not verbose,
        text=True,
    )
    return process.returncode, (process.stdout or "") + (process.stderr or "")


def main() -> int:
    """Run, print, and tell by the exit status whether every target held."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--callbacks", type=int, default=5000, help="callbacks of figure 2"
    )
    parser.add_argument(
        "--skip-load", action="store_true", help="leave out figure 2 (no real hass)"
    )
    parser.add_argument(
        "--pending-asks",
        type=int,
        default=0,
        help="figure 2 with this many sms_get.ask waiting for answers (1000 to compare)",
    )
    parser.add_argument(
        "--hass-log", type=Path, help="keep the log of figure 2's Home Assistant here"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show the harness's pytest output"
    )
    args = parser.parse_args()
    started = time.monotonic()
    figures: list[Figure] = []
    problems: list[str] = []

    print(
        f"==> SMS-Get benchmarks: Python {platform.python_version()},"
        f" Home Assistant {HA_VERSION}, {os.cpu_count()} CPUs",
        flush=True,
    )
    print(
        "==> in-process: webhook, send, setup, memory, hostile callbacks, ask"
        " (bench/harness.py, bench/asks.py)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "figures.jsonl"
        status, output = run_harness(results, args.verbose)
        figures += load_figures(results)
    if status != 0:
        problems.append(f"the in-process harness failed (pytest exit {status})")
        if not args.verbose:
            print(output[-6000:], file=sys.stderr)

    print("==> duplicate filter: 1,000,000 lines (bench/memory.py)", flush=True)
    figures += memory.measure()

    if not args.skip_load:
        print(
            f"==> load: {args.callbacks} callbacks against a real Home Assistant"
            " (bench/load.py)",
            flush=True,
        )
        try:
            figures += asyncio.run(
                load.measure(
                    args.callbacks, log=args.hass_log, pending_asks=args.pending_asks
                )
            )
        except Exception as err:  # noqa: BLE001  # report, then fail the run
            problems.append(f"the load benchmark failed: {err!r}")

    figures.sort(key=lambda figure: _order(figure.key))
    print()
    print(table(figures))
    failed = [figure.key for figure in figures if figure.passed is False]
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    elapsed = time.monotonic() - started
    print(
        f"\n{len(figures)} figures in {elapsed:.0f} s; missed targets: {failed or 'none'}"
    )
    print(
        json_line(
            figures,
            {
                "python": platform.python_version(),
                "home_assistant": HA_VERSION,
                "cpus": os.cpu_count(),
                "seconds": round(elapsed, 1),
                "errors": problems,
            },
        )
    )
    return 1 if failed or problems else 0


def _order(key: str) -> tuple[int, str]:
    digits = "".join(ch for ch in key if ch.isdigit())
    return int(digits or 0), key


if __name__ == "__main__":
    sys.exit(main())
