"""Home Assistant's websocket API: commands, and the events of subscriptions."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from types import TracebackType
from typing import Any, Self

import aiohttp

from .errors import HassCommandError, SandboxError


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
        """Return a queue that receives every event of event_type from now on."""
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
