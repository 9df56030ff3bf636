"""Fixtures of the in-process benchmarks: the tests' own, with the loop as in production."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import logging

import pytest

from tests.conftest import (  # noqa: F401  (fixtures, found by name)
    auto_enable_custom_integrations,
    entry_data,
    external_url,
    init_integration,
    mock_config_entry,
    simulator,
)


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """No asyncio debug mode: Home Assistant does not run in it."""
    asyncio.get_running_loop().set_debug(False)


@pytest.fixture(autouse=True)
def production_log_level() -> Iterator[None]:
    """Warnings and above, as Home Assistant's default logger level."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    yield
    root.setLevel(level)
