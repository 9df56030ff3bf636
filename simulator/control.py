"""The sandbox's JSON control API under /sim/: settings, replies, answers, records."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from .api import check_password
from .models import AutoAnswer

if TYPE_CHECKING:
    from .server import Simulator

_LOGGER: Final = logging.getLogger(__package__ or "simulator")


class ControlApi:
    """What scripts and tests drive the simulator with, besides the provider's API."""

    def __init__(self, simulator: Simulator) -> None:
        self._sim = simulator

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Serve the /sim/ endpoints."""
        router.add_post("/sim/settings", self._settings)
        router.add_post("/sim/reply", self._reply)
        router.add_get("/sim/answers", self._answers, allow_head=False)
        router.add_post("/sim/answers", self._add_answer)
        router.add_delete("/sim/answers/{phone}", self._remove_answer)
        router.add_get("/sim/messages", self._messages, allow_head=False)
        router.add_get("/sim/callbacks", self._callbacks, allow_head=False)

    async def _settings(self, request: web.Request) -> web.Response:
        data = await _json_object(request)
        if data is None:
            return json_response({"ok": False, "error": "expected a JSON object"}, 400)
        username = str(data.get("username", ""))
        account = self._sim.accounts.get(username)
        if account is None or not check_password(
            account, str(data.get("password", ""))
        ):
            return json_response(
                {"ok": False, "error": "wrong username or password"}, 403
            )
        # A key left out keeps its value; null or "" clears it.
        if "delivery_url" in data:
            account.delivery_url = str(data["delivery_url"] or "") or None
        if "twoway_url" in data:
            account.twoway_url = str(data["twoway_url"] or "") or None
        if "two_way_code" in data:
            account.two_way_code = str(data["two_way_code"] or "") or None
        _LOGGER.info(
            "Settings of %s: delivery %s, two-way %s, code %s",
            username,
            account.delivery_url,
            account.twoway_url,
            account.two_way_code,
        )
        return json_response({"ok": True})

    async def _reply(self, request: web.Request) -> web.Response:
        data = await _json_object(request)
        if (
            data is None
            or not isinstance(data.get("phone"), str)
            or not isinstance(data.get("text"), str)
        ):
            return json_response(
                {"ok": False, "error": 'expected {"phone": str, "text": str}'}, 400
            )
        username = data.get("username")
        try:
            status = await self._sim.send_reply(
                data["phone"], data["text"], str(username) if username else None
            )
        except ValueError as err:
            return json_response({"ok": False, "error": str(err)}, 400)
        return json_response({"ok": True, "status": status})

    async def _answers(self, _request: web.Request) -> web.Response:
        return json_response(
            [rule.as_json() for rule in self._sim.auto_answers.values()]
        )

    async def _add_answer(self, request: web.Request) -> web.Response:
        """Set how a phone answers; a phone has one rule, the latest."""
        data = await _json_object(request)
        if data is None:
            return json_response({"ok": False, "error": "expected a JSON object"}, 400)
        phone, text, delay = data.get("phone"), data.get("text"), data.get("delay", 1)
        with_code = data.get("with_code", True)
        if (
            not isinstance(phone, str)
            or not isinstance(text, str)
            or not isinstance(delay, int | float)
            or isinstance(delay, bool)
            or not isinstance(with_code, bool)
        ):
            return json_response(
                {
                    "ok": False,
                    "error": 'expected {"phone": str, "text": str, "delay": seconds,'
                    ' "with_code": bool}',
                },
                400,
            )
        try:
            rule = AutoAnswer.checked(phone, text, float(delay), with_code=with_code)
        except ValueError as err:
            return json_response({"ok": False, "error": str(err)}, 400)
        self._sim.auto_answers[rule.phone] = rule
        _LOGGER.info("%s now answers two-way messages: %s", rule.phone, rule)
        return json_response({"ok": True, "answer": rule.as_json()})

    async def _remove_answer(self, request: web.Request) -> web.Response:
        phone = request.match_info["phone"]
        if self._sim.auto_answers.pop(phone, None) is None:
            return json_response(
                {"ok": False, "error": f"{phone} has no answer rule"}, 404
            )
        return json_response({"ok": True})

    async def _messages(self, _request: web.Request) -> web.Response:
        return json_response([message.as_json() for message in self._sim.messages])

    async def _callbacks(self, _request: web.Request) -> web.Response:
        return json_response(
            [
                {"url": url, "params": params, "status": status}
                for url, params, status in self._sim.callbacks_sent
            ]
        )


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    try:
        data = await request.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def json_response(data: Any, status: int = 200) -> web.Response:
    """Return JSON that keeps Chinese readable."""
    return web.json_response(
        data, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
    )
