"""Start Home Assistant and the simulator as processes and talk to them over HTTP.

Everything binds to 127.0.0.1 only. Home Assistant is driven through its public REST
and websocket APIs, as the frontend drives it: onboarding, login, config and options
flows, states, actions and events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
import contextlib
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from types import TracebackType
from typing import IO, Any, Self

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
CONFIG_TEMPLATE = ROOT / "config" / "configuration.yaml"
HOST = "127.0.0.1"

# config/configuration.yaml reads these (!env_var), with 8123 as the default port.
ENV_HA_PORT = "SMS_GET_HA_PORT"
ENV_HA_URL = "SMS_GET_HA_URL"

# The onboarding steps after the user's, in the frontend's order.
_ONBOARDING_STEPS = ("core_config", "analytics", "integration")


class SandboxError(Exception):
    """Home Assistant or the simulator did not do what the sandbox needs."""


class HassCommandError(SandboxError):
    """A websocket command answered with an error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


def tail(path: Path | None, lines: int = 40) -> str:
    """The last lines of a log file, for an error message."""
    if path is None or not path.exists():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


class ManagedProcess:
    """A child process in a session of its own, stopped with its whole group.

    Its own session keeps a terminal's Ctrl-C away from it: the sandbox decides
    when and how it stops.
    """

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        output: Path | None = None,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        # None: the child writes to this process's own stdout and stderr.
        self.output = output
        self.process: subprocess.Popen[bytes] | None = None
        self._output_file: IO[bytes] | None = None

    def start(self) -> Self:
        """Start the process; it is not ready before wait_until_up says so."""
        if self.running:
            raise SandboxError(f"{self.name} is already running")
        if self.output is not None:
            self._output_file = self.output.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            self.args,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._output_file,
            stderr=subprocess.STDOUT if self._output_file else None,
            start_new_session=True,
        )
        return self

    @property
    def running(self) -> bool:
        """Whether the process has been started and has not exited."""
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status, None while running or before the start."""
        return None if self.process is None else self.process.poll()

    def terminate(self) -> None:
        """Ask the process group to stop (SIGTERM), without waiting."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float = 30) -> int | None:
        """Stop the process group: SIGTERM, then SIGKILL after the timeout."""
        if self.process is None:
            return None
        try:
            if self.process.poll() is None:
                self.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
            # Whatever the group left behind (a helper it spawned) goes too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        finally:
            if self._output_file is not None:
                self._output_file.close()
                self._output_file = None
        return self.process.returncode

    async def async_stop(self, grace: float = 30) -> int | None:
        """Stop as stop() does, polling instead of blocking the event loop."""
        self.terminate()
        for _ in range(int(grace * 10)):
            if not self.running:
                break
            await asyncio.sleep(0.1)
        return self.stop(timeout=1)

    async def async_wait_exit(self, grace: float = 30) -> int | None:
        """Wait for the process to exit by itself; its status, None if it did not."""
        for _ in range(int(grace * 10)):
            if not self.running:
                break
            await asyncio.sleep(0.1)
        return self.returncode


def prepare_config(config_dir: Path, template: Path = CONFIG_TEMPLATE) -> None:
    """Make config_dir a Home Assistant configuration that loads this integration.

    Copies configuration.yaml when config_dir is not the repository's own config/,
    and links custom_components to the repository's, so the code under test is the
    code Home Assistant runs.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    target = config_dir / "configuration.yaml"
    if target.resolve() != template.resolve():
        shutil.copyfile(template, target)
    link = config_dir / "custom_components"
    source = ROOT / "custom_components"
    if link.is_symlink():
        if link.resolve() != source.resolve():
            link.unlink()
    elif link.exists():
        raise SandboxError(
            f"{link} is a directory; remove it so the sandbox can link {source}"
        )
    if not link.is_symlink():
        link.symlink_to(source, target_is_directory=True)
    # Home Assistant 2026 copies the YAML http settings into .storage/http once and
    # ignores the YAML from then on. Forgetting that copy makes the port of every
    # start come from configuration.yaml (and so from SMS_GET_HA_PORT).
    (config_dir / ".storage" / "http").unlink(missing_ok=True)


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: ours, without coverage's hooks.

    Under `pytest --cov`, pytest-cov (COV_CORE_*) or coverage itself
    (COVERAGE_PROCESS_*) would measure every Python child too: a whole Home
    Assistant measured is slow, and its data cannot be combined with the tests'.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COV_CORE_", "COVERAGE_PROCESS_"))
    }
    env.update(extra)
    return env


def hass_url(port: int) -> str:
    """The loopback URL of a Home Assistant on port."""
    return f"http://{HOST}:{port}"


def start_hass(
    config_dir: Path,
    port: int,
    *,
    output: Path | None = None,
    python: str = sys.executable,
) -> ManagedProcess:
    """Start `python -m homeassistant` on 127.0.0.1:port with config_dir.

    --skip-pip: everything it needs is installed by scripts/setup, and a sandbox
    must not change its environment while it starts.
    """
    env = child_env(**{ENV_HA_PORT: str(port), ENV_HA_URL: hass_url(port)})
    return ManagedProcess(
        "Home Assistant",
        [python, "-m", "homeassistant", "--config", str(config_dir), "--skip-pip"],
        # Not the repository root: its custom_components must come from the link only.
        cwd=config_dir,
        env=env,
        output=output,
    ).start()


def start_simulator(
    port: int,
    accounts: Sequence[str],
    *,
    callback_delay: float = 2.0,
    output: Path | None = None,
    python: str = sys.executable,
) -> ManagedProcess:
    """Start `python -m simulator` on 127.0.0.1:port with NAME:PASSWORD:POINTS specs."""
    args = [python, "-m", "simulator", "--host", HOST, "--port", str(port)]
    for account in accounts:
        args += ["--account", account]
    args += ["--callback-delay", str(callback_delay)]
    return ManagedProcess(
        "SMS-Get simulator", args, cwd=ROOT, env=child_env(), output=output
    ).start()


async def wait_until_up(
    session: aiohttp.ClientSession,
    url: str,
    process: ManagedProcess,
    within: float = 90,
) -> None:
    """Poll url until it answers below 500; fail early if the process exits."""
    deadline = time.monotonic() + within
    while True:
        if not process.running:
            raise SandboxError(
                f"{process.name} exited with status {process.returncode}"
                f" before {url} answered\n{tail(process.output)}"
            )
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(
                url, timeout=aiohttp.ClientTimeout(total=5), allow_redirects=False
            ) as response:
                if response.status < 500:
                    return
        if time.monotonic() > deadline:
            raise SandboxError(
                f"{process.name} did not answer at {url} within {within:.0f} s"
                f"\n{tail(process.output)}"
            )
        await asyncio.sleep(0.2)


async def set_callback_urls(
    session: aiohttp.ClientSession,
    simulator_url: str,
    username: str,
    password: str,
    url: str | None,
) -> None:
    """Set both callback URLs of a simulator account, as on SMS-Get's settings page."""
    async with session.post(
        f"{simulator_url}/sim/settings",
        json={
            "username": username,
            "password": password,
            "delivery_url": url,
            "twoway_url": url,
        },
    ) as response:
        answer = await response.json()
    if not answer.get("ok"):
        raise SandboxError(f"The simulator refused the callback URLs: {answer}")


class HassClient:
    """Home Assistant's REST API as the frontend uses it, with one access token."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        # Home Assistant's auth takes any URL as the client ID of an app.
        self.client_id = f"{self.base_url}/"
        self.redirect_uri = f"{self.base_url}/?auth_callback=1"

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        auth: bool = True,
        ok: Sequence[int] = (200, 201),
    ) -> Any:
        """One API call; its JSON answer, or SandboxError on an unexpected status."""
        headers = {}
        if auth:
            if self.token is None:
                raise SandboxError("Not logged in to Home Assistant")
            headers["Authorization"] = f"Bearer {self.token}"
        async with self.session.request(
            method, f"{self.base_url}{path}", json=json, data=data, headers=headers
        ) as response:
            text = await response.text()
            if response.status not in ok:
                raise SandboxError(
                    f"{method} {path} answered {response.status}: {text[:500]}"
                )
            if response.content_type == "application/json" and text:
                return await response.json()
            return text

    # --- onboarding and login ----------------------------------------------------

    async def onboarding_status(self) -> dict[str, bool]:
        """Which onboarding steps are done; empty once onboarding is over.

        An onboarded Home Assistant no longer serves /api/onboarding (404).
        """
        steps = await self.request("GET", "/api/onboarding", auth=False, ok=(200, 404))
        if not isinstance(steps, list):
            return {}
        return {step["step"]: step["done"] for step in steps}

    async def _token(self, code: str) -> None:
        answer = await self.request(
            "POST",
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
            auth=False,
        )
        self.token = answer["access_token"]

    async def onboard(
        self, name: str, username: str, password: str, language: str = "en"
    ) -> bool:
        """Finish onboarding with an owner account; log in as it either way.

        Returns True when this call created the account, False when it existed.
        """
        done = await self.onboarding_status()
        created = False
        if not done.get("user", True):
            answer = await self.request(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": self.client_id,
                    "name": name,
                    "username": username,
                    "password": password,
                    "language": language,
                },
                auth=False,
            )
            await self._token(answer["auth_code"])
            created = True
        else:
            await self.login(username, password)
        for step in _ONBOARDING_STEPS:
            if done.get(step, True):
                continue
            body = (
                {"client_id": self.client_id, "redirect_uri": self.redirect_uri}
                if step == "integration"
                else {}
            )
            await self.request("POST", f"/api/onboarding/{step}", json=body)
        return created

    async def login(self, username: str, password: str) -> None:
        """Log in through the login flow of the Home Assistant auth provider."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.redirect_uri,
            },
            auth=False,
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={
                "client_id": self.client_id,
                "username": username,
                "password": password,
            },
            auth=False,
        )
        if result.get("type") != "create_entry":
            raise SandboxError(
                f"Home Assistant refused the login of {username!r}: {result}"
            )
        await self._token(result["result"])

    async def wait_running(self, within: float = 90) -> None:
        """Wait until Home Assistant has started (its API answers well before)."""
        async with asyncio.timeout(within):
            while True:
                config = await self.request("GET", "/api/config")
                # Home Assistant 2025.4 and 2026 both report their core state here.
                if config.get("state") == "RUNNING":
                    return
                await asyncio.sleep(0.2)

    # --- states and config entries -----------------------------------------------

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        """The state object of an entity, None when it has none."""
        answer = await self.request("GET", f"/api/states/{entity_id}", ok=(200, 404))
        return answer if isinstance(answer, dict) and "state" in answer else None

    async def config_entries(self, domain: str) -> list[dict[str, Any]]:
        """The config entries of a domain."""
        entries: list[dict[str, Any]] = await self.request(
            "GET", f"/api/config/config_entries/entry?domain={domain}"
        )
        return entries

    async def start_flow(
        self, handler: str, entry_id: str | None = None
    ) -> dict[str, Any]:
        """Start a config flow, as Add integration does; with entry_id, Reconfigure."""
        body = {"handler": handler}
        if entry_id is not None:
            body["entry_id"] = entry_id
        result: dict[str, Any] = await self.request(
            "POST", "/api/config/config_entries/flow", json=body
        )
        return result

    async def abort_flow(self, flow_id: str) -> None:
        """Close a config flow's form without submitting it."""
        await self.request("DELETE", f"/api/config/config_entries/flow/{flow_id}")

    async def flow_step(self, flow_id: str, user_input: Any) -> dict[str, Any]:
        """Submit a config flow's form."""
        result: dict[str, Any] = await self.request(
            "POST", f"/api/config/config_entries/flow/{flow_id}", json=user_input
        )
        return result

    async def start_options_flow(self, entry_id: str) -> dict[str, Any]:
        """Open an entry's options, as its Configure button does."""
        result: dict[str, Any] = await self.request(
            "POST",
            "/api/config/config_entries/options/flow",
            json={"handler": entry_id},
        )
        return result

    async def options_flow_step(self, flow_id: str, user_input: Any) -> dict[str, Any]:
        """Submit an options flow's form."""
        result: dict[str, Any] = await self.request(
            "POST",
            f"/api/config/config_entries/options/flow/{flow_id}",
            json=user_input,
        )
        return result

    async def abort_options_flow(self, flow_id: str) -> None:
        """Close an options form without saving, as its X does."""
        await self.request(
            "DELETE", f"/api/config/config_entries/options/flow/{flow_id}"
        )

    async def webhook_url(self, entry_id: str) -> str:
        """The callback URL an entry's options form shows."""
        form = await self.start_options_flow(entry_id)
        await self.abort_options_flow(form["flow_id"])
        return str(form["description_placeholders"]["webhook_url"])

    # --- websocket --------------------------------------------------------------

    async def websocket(self) -> HassWebSocket:
        """A connected, authenticated websocket."""
        if self.token is None:
            raise SandboxError("Not logged in to Home Assistant")
        return await HassWebSocket.connect(self.session, self.base_url, self.token)

    async def promote_http_config(self) -> None:
        """Confirm the YAML http settings, where Home Assistant asks for it.

        Home Assistant 2026 tries http settings from YAML as a trial and moves back
        to its defaults after five minutes unless they are confirmed. Older lines
        do not know the command, and a confirmed config has nothing to promote.
        """
        async with await self.websocket() as ws:
            try:
                await ws.command("http/config/promote")
            except HassCommandError as err:
                if err.code not in ("unknown_command", "not_allowed"):
                    raise


class HassWebSocket:
    """Home Assistant's websocket API: commands, and events of subscriptions."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._next_id = 1
        self._results: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: dict[int, asyncio.Queue[Any]] = {}
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def connect(
        cls, session: aiohttp.ClientSession, base_url: str, token: str
    ) -> HassWebSocket:
        """Connect and authenticate."""
        ws = await session.ws_connect(f"{base_url}/api/websocket")
        hello = await ws.receive_json()
        if hello.get("type") != "auth_required":
            await ws.close()
            raise SandboxError(f"Unexpected websocket greeting: {hello}")
        await ws.send_json({"type": "auth", "access_token": token})
        answer = await ws.receive_json()
        if answer.get("type") != "auth_ok":
            await ws.close()
            raise SandboxError(f"Websocket authentication failed: {answer}")
        return cls(ws)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                data = message.json()
                for item in data if isinstance(data, list) else [data]:
                    if item.get("type") == "event" and item["id"] in self._events:
                        self._events[item["id"]].put_nowait(item["event"])
                    elif (future := self._results.pop(item.get("id"), None)) and (
                        not future.done()
                    ):
                        future.set_result(item)
        finally:
            for future in self._results.values():
                if not future.done():
                    future.set_exception(SandboxError("The websocket closed"))
            self._results.clear()

    async def _send(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        message_id = self._next_id
        self._next_id += 1
        future = asyncio.get_running_loop().create_future()
        self._results[message_id] = future
        await self._ws.send_json({"id": message_id, **payload})
        return message_id, await future

    async def command(self, command_type: str, **data: Any) -> Any:
        """Run a command; its result, or HassCommandError."""
        _, answer = await self._send({"type": command_type, **data})
        if not answer.get("success"):
            error = answer.get("error", {})
            raise HassCommandError(
                str(error.get("code")), str(error.get("message", answer))
            )
        return answer.get("result")

    async def subscribe(self, command_type: str, **data: Any) -> asyncio.Queue[Any]:
        """Run a subscription command; a queue that receives what it sends."""
        queue: asyncio.Queue[Any] = asyncio.Queue()
        message_id = self._next_id
        # Registered first: a message may arrive right behind the result.
        self._events[message_id] = queue
        try:
            await self.command(command_type, **data)
        except BaseException:
            del self._events[message_id]
            raise
        return queue

    async def subscribe_events(self, event_type: str) -> asyncio.Queue[dict[str, Any]]:
        """A queue that receives every event of event_type from now on."""
        return await self.subscribe("subscribe_events", event_type=event_type)

    async def call_service(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None = None,
        *,
        return_response: bool = False,
    ) -> Any:
        """Call an action; its response data when return_response."""
        payload: dict[str, Any] = {
            "domain": domain,
            "service": service,
            "service_data": dict(data or {}),
        }
        if return_response:
            payload["return_response"] = True
        result = await self.command("call_service", **payload)
        return result.get("response") if return_response else result

    async def close(self) -> None:
        """Close the connection and stop reading."""
        await self._ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
