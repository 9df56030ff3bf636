"""Fixtures: SMS-Get's simulator on loopback and a client of the provider package."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
import socket

import aiohttp
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.sms_get.provider import SmsGetClient
from simulator import TAIPEI, Account, Simulator

USERNAME = "hauser"
# Distinctive, and with characters a form body must encode.
PASSWORD = "Pw-9f3Kq&x=7 zZ%+密"
# The simulator's GMT+8 "now", so that schedules are checked against a fixed clock.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=TAIPEI)
# Short enough for a fast test, long enough for the simulator on a loaded machine.
TIMEOUT = 5.0


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant here: the provider package must work without it."""


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """The simulator, with account hauser holding 1000 points, two-way enabled."""
    simulator = Simulator(
        accounts={USERNAME: Account(password=PASSWORD, points=1000, two_way=True)},
        callback_delay=0.01,
        clock=lambda: NOW,
    )
    yield simulator
    # Sends still running after a client gave up (Fault.delay) must not linger.
    await simulator.close()


@pytest.fixture
async def base_url(
    socket_enabled: None, aiohttp_server: AiohttpServer, sim: Simulator
) -> str:
    """The simulator served on loopback."""
    server = await aiohttp_server(sim.app)
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def closed_port_url(socket_enabled: None) -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """The HTTP session the client uses, as Home Assistant's shared one."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(session: aiohttp.ClientSession, base_url: str) -> SmsGetClient:
    """A client of account hauser at the simulator."""
    return SmsGetClient(session, USERNAME, PASSWORD, base_url=base_url, timeout=TIMEOUT)


@pytest.fixture
def impatient_client(session: aiohttp.ClientSession, base_url: str) -> SmsGetClient:
    """A client that gives up after 0.2 seconds."""
    return SmsGetClient(session, USERNAME, PASSWORD, base_url=base_url, timeout=0.2)
