"""The development sandbox of scripts/develop: the simulator and a real Home Assistant.

On its first run it onboards Home Assistant with a development login, adds an SMS-Get
entry pointed at the simulator, a recipient trusted with Assist and a porch light
exposed to Assist (demo.py), and sets the simulator's callback URLs to that entry's
webhook. Later runs reuse config/.storage and only redo what is missing (the
simulator keeps its state in memory). SMS_GET_LANGUAGE picks English (en, the
default) or Traditional Chinese (zh-Hant) for Home Assistant and the development
user alike. Ctrl-C stops both processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from typing import Any

import aiohttp

from . import demo
from .config import ENV_LANGUAGE, LANGUAGES, ROOT, hass_url, prepare_config
from .demo import (
    ANSWERING_DELAY,
    ANSWERING_PHONE,
    ANSWERING_TEXT,
    DOMAIN,
    PORCH_LIGHT,
    RECIPIENT_NAME,
    RECIPIENT_PHONE,
    SIM_PASSWORD,
    SIM_POINTS,
    SIM_USERNAME,
    TWO_WAY_CODE,
)
from .errors import SandboxError
from .process import (
    ManagedProcess,
    port_in_use,
    start_hass,
    start_simulator,
    wait_until_up,
)
from .rest import HassClient
from .sim_control import set_auto_answer, set_callback_urls

CONFIG_DIR = ROOT / "config"

# A local sandbox only: Home Assistant listens on 127.0.0.1, and this login is printed.
DEV_NAME = "Developer"
DEV_USERNAME = "dev"
DEV_PASSWORD = "dev-password"  # noqa: S105

CALLBACK_DELAY = 2.0

# Home Assistant asks its process manager for a restart with this exit status.
RESTART_EXIT_CODE = 100


def _port(variable: str, default: int) -> int:
    value = os.environ.get(variable, str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SandboxError(f"{variable}={value!r} is not a TCP port")
    return int(value)


def _language() -> str:
    value = os.environ.get(ENV_LANGUAGE) or "en"
    if value not in LANGUAGES:
        raise SandboxError(
            f"{ENV_LANGUAGE}={value!r} is not one of the sandbox's languages:"
            f" {', '.join(LANGUAGES)}"
        )
    return value


def _stored_webhook_url(base_url: str) -> str | None:
    """Return the demo entry's webhook URL from config/.storage (no login needed)."""
    path = CONFIG_DIR / ".storage" / "core.config_entries"
    if not path.exists():
        return None
    entries = json.loads(path.read_text(encoding="utf-8"))["data"]["entries"]
    for entry in entries:
        if entry["domain"] == DOMAIN and entry.get("unique_id") == SIM_USERNAME:
            data = entry["data"]
            return str(
                data.get("cloudhook_url")
                or f"{base_url}/api/webhook/{data['webhook_id']}"
            )
    return None


def _check_config_version() -> None:
    """Refuse a config/ that a newer Home Assistant has migrated.

    Home Assistant cannot read storage written by a newer version, and the two
    supported lines (2025.4 on Python 3.13, 2026 on 3.14) share config/.
    """
    from awesomeversion import AwesomeVersion  # noqa: PLC0415
    from homeassistant.const import __version__  # noqa: PLC0415

    stored = CONFIG_DIR / ".HA_VERSION"
    if not stored.exists():
        return
    last = stored.read_text(encoding="utf-8").strip()
    if AwesomeVersion(last) > AwesomeVersion(__version__):
        raise SandboxError(
            f"config/ was last used by Home Assistant {last}, newer than this"
            f" environment's {__version__}. Run with the newer line (PYTHON=...),"
            " or delete config/.storage and config/.HA_VERSION to start over."
        )


class Sandbox:
    """The two processes of the sandbox and the setup that ties them together."""

    def __init__(self, ha_port: int, sim_port: int, language: str = "en") -> None:
        self.language = language
        self.ha_port = ha_port
        self.sim_port = sim_port
        self.ha_url = hass_url(ha_port)
        self.sim_url = f"http://127.0.0.1:{sim_port}"
        self.simulator: ManagedProcess | None = None
        self.hass: ManagedProcess | None = None

    def start_hass(self) -> ManagedProcess:
        """(Re)start Home Assistant; its log goes to this terminal."""
        prepare_config(CONFIG_DIR)
        self.hass = start_hass(CONFIG_DIR, self.ha_port, language=self.language)
        return self.hass

    async def run(self) -> int:
        """Start, set up, print how to use it, and keep it running."""
        _check_config_version()
        for name, port in (
            ("Home Assistant", self.ha_port),
            ("the simulator", self.sim_port),
        ):
            if port_in_use(port):
                raise SandboxError(
                    f"Port {port} (for {name}) is already in use. Stop what listens"
                    " there, or pick other ports with SMS_GET_HA_PORT and"
                    " SMS_GET_SIM_PORT."
                )
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=60)
        ) as session:
            simulator = self.simulator = start_simulator(
                self.sim_port,
                [f"{SIM_USERNAME}:{SIM_PASSWORD}:{SIM_POINTS}:twoway"],
                callback_delay=CALLBACK_DELAY,
                two_way_code=TWO_WAY_CODE,
            )
            await wait_until_up(session, f"{self.sim_url}/settings", simulator)
            await set_auto_answer(
                session, self.sim_url, ANSWERING_PHONE, ANSWERING_TEXT, ANSWERING_DELAY
            )
            hass = self.start_hass()
            print("==> Waiting for Home Assistant to start…", flush=True)
            await wait_until_up(session, f"{self.ha_url}/api/onboarding", hass)
            client = HassClient(session, self.ha_url)
            webhook_url, version = await self._set_up(client)
            await set_callback_urls(
                session, self.sim_url, SIM_USERNAME, SIM_PASSWORD, webhook_url
            )
            self._print_banner(webhook_url, version)
            return await self._supervise(session, client, hass, simulator)

    async def _set_up(self, client: HassClient) -> tuple[str, str]:
        """Onboard and add the entry when needed; the entry's webhook URL."""
        try:
            created = await client.onboard(
                DEV_NAME, DEV_USERNAME, DEV_PASSWORD, language=self.language
            )
        except SandboxError as err:
            # Someone changed the development login: go on without the API.
            print(
                f"==> Cannot log in as {DEV_USERNAME!r} ({err}). Using the entry"
                " stored in config/.storage; delete config/.storage to start over.",
                file=sys.stderr,
                flush=True,
            )
            url = _stored_webhook_url(self.ha_url)
            if url is None:
                raise SandboxError(
                    "No SMS-Get entry to point the simulator at. Delete config/.storage"
                    " and run scripts/develop again."
                ) from err
            return url, "?"
        if created:
            print(
                f"==> Onboarded Home Assistant with user {DEV_USERNAME!r}", flush=True
            )
        await client.wait_running()
        await client.promote_http_config()
        await demo.set_user_language(client, self.language)
        version = str((await client.request("GET", "/api/config"))["version"])
        entries = [
            entry
            for entry in await client.config_entries(DOMAIN)
            if entry["title"] == SIM_USERNAME
        ]
        if entries:
            entry_id = entries[0]["entry_id"]
            await demo.point_at_simulator(client, entry_id, self.sim_url)
            webhook_url = await client.webhook_url(entry_id)
        else:
            entry_id, webhook_url = await demo.add_entry(client, self.sim_url)
        await demo.ensure_recipient(client, entry_id)
        await demo.expose_porch_light(client)
        return webhook_url, version

    def _print_banner(self, webhook_url: str, version: str) -> None:
        command = (
            "03 打開門廊燈"
            if self.language == "zh-Hant"
            else "03 turn on the porch light"
        )
        reply = f'scripts/simulate-reply {RECIPIENT_PHONE} "{command}"'
        lines = [
            "",
            f"SMS-Get sandbox is running (Home Assistant {version}, on loopback only)",
            "",
            f"  Home Assistant      {self.ha_url}",
            f"  Login               {DEV_USERNAME} / {DEV_PASSWORD}"
            "   (a local development login: never use it anywhere else)",
            f"  SMS-Get simulator   {self.sim_url}   (account {SIM_USERNAME} /"
            f" {SIM_PASSWORD}, {SIM_POINTS} points at every start)",
            f"  Its settings page   {self.sim_url}/settings?username={SIM_USERNAME}",
            f"  Callback URL        {webhook_url}",
            f"  Language            {self.language}   (SMS_GET_LANGUAGE=en or zh-Hant,"
            " from the next start)",
            "",
            f"  Credit:   sensor.sms_get_{SIM_USERNAME}_credit",
            "  Send:     Developer tools > Actions > SMS-Get: Send message (costs"
            f" points; its delivery report follows after {CALLBACK_DELAY:g} s)",
            f"  Ask:      SMS-Get: Ask to {ANSWERING_PHONE}, who answers"
            f' "{TWO_WAY_CODE} {ANSWERING_TEXT}" after {ANSWERING_DELAY:g} s'
            " (people who answer: the settings page)",
            f"  Assist:   {reply}",
            f"            ({RECIPIENT_NAME} texts Assist; {PORCH_LIGHT} turns on"
            " and her SMS answer shows on the settings page)",
            "  Events:   Developer tools > Events, listen to sms_get_delivery_report"
            " or sms_get_reply_received",
            "",
            "  Ctrl-C stops Home Assistant and the simulator.",
            "",
        ]
        print("\n".join(lines), flush=True)

    async def _supervise(
        self,
        session: aiohttp.ClientSession,
        client: HassClient,
        hass: ManagedProcess,
        simulator: ManagedProcess,
    ) -> int:
        """Run until a process ends; restart Home Assistant when it asks to."""
        while True:
            await asyncio.sleep(0.5)
            if not simulator.running:
                print(
                    f"==> The simulator exited ({simulator.returncode})",
                    file=sys.stderr,
                    flush=True,
                )
                return 1
            code = hass.returncode
            if code is None:
                continue
            if code != RESTART_EXIT_CODE:
                print(f"==> Home Assistant stopped ({code})", flush=True)
                return 0 if code == 0 else 1
            # Restart from the UI: as the container of a real installation does.
            print("==> Home Assistant asked for a restart", flush=True)
            hass.stop()
            hass = self.start_hass()
            await wait_until_up(session, f"{self.ha_url}/api/onboarding", hass)
            with contextlib.suppress(SandboxError):
                await client.login(DEV_USERNAME, DEV_PASSWORD)
                await client.wait_running()
                await client.promote_http_config()
            print("==> Home Assistant is back", flush=True)

    def stop(self) -> bool:
        """Stop Home Assistant, then the simulator; whether either was started."""
        started = False
        for process in (self.hass, self.simulator):
            if process is None:
                continue
            started = True
            if process.running:
                print(f"==> Stopping {process.name}…", flush=True)
            process.stop()
        return started


def main() -> int:
    """Run the sandbox until Ctrl-C."""
    try:
        sandbox = Sandbox(
            _port("SMS_GET_HA_PORT", 8123),
            _port("SMS_GET_SIM_PORT", 8099),
            _language(),
        )
    except SandboxError as err:
        print(f"scripts/develop: {err}", file=sys.stderr)
        return 2

    # SIGTERM and SIGHUP end the sandbox as Ctrl-C does, stopping both processes.
    def _interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    # Ctrl-C even when started from a shell that ignores SIGINT in the background.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    status = 1
    try:
        status = asyncio.run(sandbox.run())
    except KeyboardInterrupt:
        status = 0
    except SandboxError as err:
        print(f"scripts/develop: {err}", file=sys.stderr)
    finally:
        # Ctrl-C during the stop itself must not leave a process behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if sandbox.stop():
            print("==> Stopped", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
