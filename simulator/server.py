"""The simulator: its state, and the aiohttp application that serves every part."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
import secrets
from typing import Any

from aiohttp import web

from .api import ProviderApi
from .callbacks import CallbackSender
from .control import ControlApi
from .models import Account, AutoAnswer, Fault, RecordedRequest, SentMessage
from .protocol import now_taipei
from .settings_page import SettingsPage

type Clock = Callable[[], datetime]


def _default_accounts() -> dict[str, Account]:
    # The sandbox's well-known demo account, not a secret.
    return {
        "demo": Account(
            password="demo-pass",  # noqa: S106
            points=1000,
            two_way=True,
            two_way_code="03",
        )
    }


class Simulator:
    """SMS-Get at the HTTP boundary: its API, callbacks, settings page and faults.

    The parts live in modules of their own: the provider's API (api.py), the
    callbacks it posts (callbacks.py), its settings page (settings_page.py) and the
    sandbox's JSON control API under /sim/ (control.py). This class holds the state
    they share.
    """

    def __init__(
        self,
        accounts: dict[str, Account] | None = None,
        callback_delay: float = 1.0,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.accounts: dict[str, Account] = (
            accounts if accounts is not None else _default_accounts()
        )
        self.callback_delay = callback_delay
        # GMT+8 "now" for schedules and report times; replaceable so tests can pin it.
        self.clock: Clock = clock or now_taipei
        # The base URL it is served at, for its clients; set by whoever serves it.
        self.url: str = ""
        self.requests: list[RecordedRequest] = []
        self.messages: list[SentMessage] = []
        self.faults: deque[Fault] = deque()
        self.undeliverable: set[str] = set()
        # Phone -> how the person with that phone answers two-way messages.
        self.auto_answers: dict[str, AutoAnswer] = {}
        self.callbacks_sent: list[tuple[str, dict[str, str], int]] = []
        self.callbacks = CallbackSender(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ids: set[str] = set()
        self.app = web.Application()
        ProviderApi(self).add_routes(self.app.router)
        SettingsPage(self).add_routes(self.app.router)
        ControlApi(self).add_routes(self.app.router)
        self.app.cleanup_ctx.append(self._lifetime)

    def new_id(self) -> str:
        """Return a fresh 8-character id, like the document's 59c4e123."""
        while (new_id := secrets.token_hex(4)) in self._ids:
            pass
        self._ids.add(new_id)
        return new_id

    def spawn[T](self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run a coroutine in the background until it ends or close() cancels it."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def message_accepted(self, message: SentMessage) -> None:
        """Start what follows an accepted send: its report and people's answers."""
        self.callbacks.message_accepted(message)

    async def send_reply(
        self, phone: str, text: str, username: str | None = None
    ) -> int:
        """Post a two-way reply from `phone`, as the provider does when a phone replies.

        Without username: the account that last sent a two-way message to the phone,
        else the first account. Returns the HTTP status answered (0: no answer).
        Raises ValueError for an unknown account or one without a two-way URL.
        """
        return await self.callbacks.send_reply(phone, text, username)

    async def wait_idle(self) -> None:
        """Wait until every pending callback and delayed request has finished."""
        # A finished task leaves the set a loop iteration later; gathering it again
        # would not yield to the loop.
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        """Cancel pending callbacks and close the simulator's own HTTP session."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.callbacks.close()

    async def _lifetime(self, _app: web.Application) -> AsyncIterator[None]:
        """Close the simulator with the server that serves it."""
        yield
        await self.close()
