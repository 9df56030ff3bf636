"""A real `hass` process with the integration, and the simulator, for the module.

Home Assistant starts once per module (it is the slow part) in a temporary config
directory made from config/configuration.yaml; the tests talk to it only through its
REST and websocket APIs. Processes are managed synchronously, outside the tests'
function-scoped event loops, and stopped at the end of the module even on failure.
"""

from __future__ import annotations

import atexit
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from sandbox import (
    HassClient,
    HassWebSocket,
    ManagedProcess,
    free_port,
    prepare_config,
    set_callback_urls,
    start_hass,
    start_simulator,
    wait_until_up,
)

# The Home Assistant owner created by onboarding.
OWNER_NAME = "End to end"
OWNER_USERNAME = "owner"
OWNER_PASSWORD = "owner-Pa55-e2e"

# The SMS-Get account the simulator holds.
USERNAME = "hauser"
PASSWORD = "e2e-S3cret-Pa55"
WRONG_PASSWORD = "not-the-Pa55word"
POINTS = 1000

DOMAIN = "sms_get"
CREDIT_SENSOR = f"sensor.{DOMAIN}_{USERNAME}_credit"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the package's fixture: Home Assistant runs as a process here.

    The package's version sets up the `hass` fixture, which these tests never use.
    """


@dataclass
class EndToEnd:
    """The processes of the module and what the tests learn along the way."""

    directory: Path
    hass_port: int = 0
    sim_port: int = 0
    hass: ManagedProcess | None = None
    simulator: ManagedProcess | None = None
    token: str | None = None
    entry_id: str | None = None
    webhook_url: str | None = None
    # The account's two-way code, once a test has set it in the options.
    two_way_code: str | None = None

    @property
    def config_dir(self) -> Path:
        """Home Assistant's configuration directory."""
        return self.directory / "config"

    @property
    def hass_url(self) -> str:
        """Home Assistant's base URL."""
        return f"http://127.0.0.1:{self.hass_port}"

    @property
    def sim_url(self) -> str:
        """The simulator's base URL, the entry's API URL."""
        return f"http://127.0.0.1:{self.sim_port}"

    @property
    def logs(self) -> list[Path]:
        """Home Assistant's log files (a start moves the last one to .1), its console."""
        return [
            self.config_dir / "home-assistant.log.1",
            self.config_dir / "home-assistant.log",
            self.directory / "hass.out",
        ]

    def start(self) -> None:
        """Start the simulator and Home Assistant on free loopback ports."""
        # Even a test run ended by Ctrl-C, which skips finalizers, stops them.
        atexit.register(self.stop)
        self.sim_port, self.hass_port = free_port(), free_port()
        self.simulator = start_simulator(
            self.sim_port,
            [f"{USERNAME}:{PASSWORD}:{POINTS}:twoway"],
            callback_delay=0.1,
            output=self.directory / "simulator.out",
        )
        self.start_hass()

    def start_hass(self) -> ManagedProcess:
        """(Re)start Home Assistant, as a process manager does."""
        prepare_config(self.config_dir)
        self.hass = start_hass(
            self.config_dir, self.hass_port, output=self.directory / "hass.out"
        )
        return self.hass

    def stop(self) -> None:
        """Stop whatever runs; safe to call more than once."""
        for process in (self.hass, self.simulator):
            if process is not None:
                process.stop()


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EndToEnd]:
    """The module's processes, not started yet; stopped at the end whatever happens."""
    state = EndToEnd(tmp_path_factory.mktemp("e2e"))
    try:
        yield state
    finally:
        state.stop()


@pytest.fixture
def running(e2e: EndToEnd, socket_enabled: None) -> EndToEnd:
    """The processes, started by the first test that needs them."""
    if e2e.hass is None:
        e2e.start()
    return e2e


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client for loopback."""
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=30)
    ) as client_session:
        yield client_session


@pytest.fixture
async def api(running: EndToEnd, session: aiohttp.ClientSession) -> HassClient:
    """Home Assistant's REST API, onboarded and logged in as its owner."""
    assert running.simulator is not None
    assert running.hass is not None
    await wait_until_up(session, f"{running.sim_url}/settings", running.simulator)
    await wait_until_up(session, f"{running.hass_url}/api/onboarding", running.hass)
    client = HassClient(session, running.hass_url)
    if running.token is None:
        await client.onboard(OWNER_NAME, OWNER_USERNAME, OWNER_PASSWORD)
        await client.wait_running()
        # Home Assistant 2026 reverts untried YAML http settings unless confirmed.
        await client.promote_http_config()
        running.token = client.token
    client.token = running.token
    return client


@pytest.fixture
async def ws(api: HassClient) -> AsyncIterator[HassWebSocket]:
    """Home Assistant's websocket API, logged in as its owner."""
    async with await api.websocket() as websocket:
        yield websocket


@pytest.fixture
async def entry_id(
    running: EndToEnd, api: HassClient, session: aiohttp.ClientSession
) -> str:
    """The SMS-Get entry; added as a user does when an earlier test has not."""
    if running.entry_id is None:
        form = await api.start_flow(DOMAIN)
        result = await api.flow_step(
            form["flow_id"],
            {
                "username": USERNAME,
                "password": PASSWORD,
                "advanced": {"api_url": running.sim_url},
            },
        )
        assert result["type"] == "create_entry"
        await entry_created(running, session, result)
    assert running.entry_id is not None
    return running.entry_id


async def entry_created(
    running: EndToEnd, session: aiohttp.ClientSession, result: dict[str, object]
) -> None:
    """Remember a created entry and paste its URL into the simulator's settings."""
    entry = result["result"]
    placeholders = result["description_placeholders"]
    assert isinstance(entry, dict)
    assert isinstance(placeholders, dict)
    running.entry_id = entry["entry_id"]
    running.webhook_url = placeholders["webhook_url"]
    await set_callback_urls(
        session, running.sim_url, USERNAME, PASSWORD, running.webhook_url
    )
