"""Figure 4a: the duplicate filter stays within its fixed bound, whatever the traffic."""

from __future__ import annotations

import gc
import sys
from time import perf_counter
from types import ModuleType
from typing import Any

from bench.report import Figure
from custom_components.sms_get.provider import RecentLines

LINES = 1_000_000


def deep_size(root: object, stop: tuple[type, ...] = (type, ModuleType)) -> int:
    """Bytes of an object and of everything it reaches, not going into stop's types."""
    seen: set[int] = set()
    stack: list[Any] = [root]
    total = 0
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, stop):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        stack.extend(gc.get_referents(item))
    return total


def _add(recent: RecentLines, index: int) -> bool:
    """One delivery-report line, as the webhook remembers it."""
    return recent.add(
        "d",
        f"m{index // 250:06d}",
        f"09{index % 10**8:08d}",
        f"r{index:08d}",
        "DELIVRD",
        "2026-01-01T21:08:07+08:00",
    )


def measure() -> list[Figure]:
    """The filter's size once it has turned over, then after a million lines.

    Full, the filter forgets one line for each new one; after the first turnover its
    table has the size it keeps from then on (deleted slots make it one step larger
    than right after filling). That size is the floor; it must not grow after it.
    """
    recent = RecentLines()
    for index in range(2 * recent.maxlen):
        assert _add(recent, index)
    bound = deep_size(recent)
    start = perf_counter()
    for index in range(2 * recent.maxlen, LINES):
        assert _add(recent, index)
    per_line = (perf_counter() - start) / (LINES - 2 * recent.maxlen)
    after = deep_size(recent)
    # Still a working filter: the newest line is known, the oldest forgotten.
    assert not _add(recent, LINES - 1)
    assert len(recent) == recent.maxlen
    return [
        Figure(
            "4a",
            f"memory: duplicate filter after {LINES:,} lines",
            after,
            "B",
            1.0,
            "ratio_max",
            floor=bound,
            extra={"maxlen": recent.maxlen},
        ),
        Figure(
            "4c",
            "memory: duplicate filter, per line",
            per_line * 1e6,
            "us",
            None,
            "info",
        ),
    ]
