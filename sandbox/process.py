"""Home Assistant and the simulator as child processes, and waiting for them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
import contextlib
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import IO, Self

import aiohttp

from .config import (
    ENV_HA_PORT,
    ENV_HA_URL,
    ENV_LANGUAGE,
    HOST,
    LANGUAGES,
    ROOT,
    hass_url,
)
from .errors import SandboxError


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


def tail(path: Path | None, lines: int = 40) -> str:
    """Return the last lines of a log file, for an error message."""
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


def child_env(**extra: str) -> dict[str, str]:
    """Return the environment for a child: ours, without coverage's hooks.

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


def start_hass(
    config_dir: Path,
    port: int,
    *,
    output: Path | None = None,
    python: str = sys.executable,
    language: str = "en",
) -> ManagedProcess:
    """Start `python -m homeassistant` on 127.0.0.1:port with config_dir.

    --skip-pip: everything it needs is installed by scripts/setup, and a sandbox
    must not change its environment while it starts.
    """
    if language not in LANGUAGES:
        raise SandboxError(
            f"{language!r} is not a language of the sandbox: {', '.join(LANGUAGES)}"
        )
    env = child_env(
        **{ENV_HA_PORT: str(port), ENV_HA_URL: hass_url(port), ENV_LANGUAGE: language}
    )
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
    two_way_code: str | None = None,
    output: Path | None = None,
    python: str = sys.executable,
) -> ManagedProcess:
    """Start `python -m simulator` on 127.0.0.1:port with NAME:PASSWORD:POINTS specs."""
    args = [python, "-m", "simulator", "--host", HOST, "--port", str(port)]
    for account in accounts:
        args += ["--account", account]
    args += ["--callback-delay", str(callback_delay)]
    if two_way_code:
        args += ["--two-way-code", two_way_code]
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
