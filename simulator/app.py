"""An aiohttp application that answers as SMS-Get does, and calls back as it does."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
import html
from http import HTTPStatus
import json
import logging
import secrets
import time
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import aiohttp
from aiohttp import web

from .models import Account, Fault, RecordedRequest, SentMessage
from .protocol import (
    CHARSET,
    CONTENT_TYPE,
    MAX_RECIPIENTS,
    MAX_SEGMENTS,
    SUCCESS,
    ApiError,
    answer_body,
    country_of,
    error_body,
    json_body,
    now_taipei,
    parse_schedule,
    points_per_segment,
    report_time,
    segments,
    split_phones,
)

_LOGGER: Final = logging.getLogger(__package__ or "simulator")

CREDIT: Final = "api_query_credit.php"
SEND: Final = "api_send.php"
SEND_TWOWAY: Final = "api_send_twoway.php"
ENDPOINTS: Final = (SEND, SEND_TWOWAY, CREDIT)

CALLBACK_TIMEOUT: Final = aiohttp.ClientTimeout(total=10)

_HTML_HEADERS: Final = {"Content-Type": f"{CONTENT_TYPE}; charset={CHARSET}"}

# What a PHP site shows when its script dies, for Fault.html().
_PHP_ERROR_PAGE: Final = (
    "<br />\n<b>Fatal error</b>:  Uncaught mysqli_sql_exception: Too many connections"
    " in /var/www/html/{endpoint}:12\nStack trace:\n#0 {{main}}\n  thrown in"
    " <b>/var/www/html/{endpoint}</b> on line <b>12</b><br />\n"
)

_SETTINGS_PAGE: Final = """<!DOCTYPE html>
<html lang="zh-Hant">
<head><meta charset="utf-8"><title>API 設定 - SMS-Get simulator</title></head>
<body>
<h1>API 設定</h1>
{notice}
<form method="post" action="/settings">
<p><label>帳號 <input name="username" value="{username}" required></label></p>
<p><label>密碼 <input name="password" type="password" required></label></p>
<p><label>CallBack URL <input name="delivery_url" size="60" value="{delivery_url}">
</label></p>
<p><label>雙向 CallBack URL <input name="twoway_url" size="60" value="{twoway_url}">
</label></p>
<p><button type="submit">儲存</button></p>
</form>
</body>
</html>
"""

type Clock = Callable[[], datetime]


def _default_accounts() -> dict[str, Account]:
    # The sandbox's well-known demo account, not a secret.
    return {"demo": Account(password="demo-pass", points=1000, two_way=True)}  # noqa: S106


def _with_query(url: str, params: Mapping[str, str]) -> str:
    """The URL with the parameters appended to its query, encoded like PHP does."""
    parts = urlsplit(url)
    query = urlencode(params)
    return urlunsplit(
        parts._replace(query=f"{parts.query}&{query}" if parts.query else query)
    )


def _loggable(params: Mapping[str, str]) -> dict[str, str]:
    """Parameters fit for a log line: never the password."""
    return {key: "***" if key == "password" else value for key, value in params.items()}


class Simulator:
    """SMS-Get at the HTTP boundary: its three API endpoints, callbacks, faults."""

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
        self.requests: list[RecordedRequest] = []
        self.messages: list[SentMessage] = []
        self.faults: deque[Fault] = deque()
        self.undeliverable: set[str] = set()
        self.callbacks_sent: list[tuple[str, dict[str, str], int]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._ids: set[str] = set()
        self.app = self._build_app()

    def _build_app(self) -> web.Application:
        app = web.Application()
        for endpoint in ENDPOINTS:
            app.router.add_get(f"/{endpoint}", self._handle_api, allow_head=False)
            app.router.add_post(f"/{endpoint}", self._handle_api)
        app.router.add_get("/settings", self._settings_page, allow_head=False)
        app.router.add_post("/settings", self._settings_form)
        app.router.add_post("/sim/settings", self._sim_settings)
        app.router.add_post("/sim/reply", self._sim_reply)
        app.router.add_get("/sim/messages", self._sim_messages, allow_head=False)
        app.router.add_get("/sim/callbacks", self._sim_callbacks, allow_head=False)
        app.on_cleanup.append(self._on_cleanup)
        return app

    # --- the provider's API -------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        endpoint = request.path.removeprefix("/")
        # Popped on arrival, so faults apply to requests in the order they come in.
        fault = self.faults.popleft() if self.faults else None
        query = dict(request.query)
        record = RecordedRequest(
            endpoint=endpoint,
            method=request.method,
            params=query,
            started=time.monotonic(),
            query=query,
            remote=request.remote,
        )
        self.requests.append(record)
        try:
            record.form = await self._read_form(request)
        except BaseException:
            record.finished = time.monotonic()
            raise
        # PHP's $_REQUEST order: a body field wins over the same name in the URL.
        record.params = {**query, **record.form}
        if fault is not None and fault.kind == "delay":
            # aiohttp's test server cancels a handler whose client has gone, the
            # provider does not: a send outlives the client's timeout in a task.
            return await asyncio.shield(
                self._spawn(self._process(fault, request, endpoint, record))
            )
        return await self._process(fault, request, endpoint, record)

    async def _process(
        self,
        fault: Fault | None,
        request: web.Request,
        endpoint: str,
        record: RecordedRequest,
    ) -> web.StreamResponse:
        try:
            if fault is not None:
                response = await self._apply_fault(fault, request, endpoint)
                if response is not None:
                    _LOGGER.info(
                        "%s %s %s -> fault %s",
                        request.method,
                        endpoint,
                        _loggable(record.params),
                        fault.kind,
                    )
                    return response
            code, body = self._answer(endpoint, record.params, request.remote)
            record.error_code = code
            _LOGGER.info(
                "%s %s %s -> %s",
                request.method,
                endpoint,
                _loggable(record.params),
                code,
            )
            return web.Response(body=body.encode(), headers=_HTML_HEADERS)
        finally:
            record.finished = time.monotonic()

    @staticmethod
    async def _read_form(request: web.Request) -> dict[str, str]:
        if request.method != "POST":
            return {}
        # request.post() reads urlencoded and multipart forms, and nothing else.
        form = await request.post()
        return {key: value for key, value in form.items() if isinstance(value, str)}

    async def _apply_fault(
        self, fault: Fault, request: web.Request, endpoint: str
    ) -> web.StreamResponse | None:
        """The faulty answer, or None to go on with normal handling."""
        match fault.kind:
            case "delay":
                await asyncio.sleep(fault.seconds)
                if fault.then is None:
                    return None
                return await self._apply_fault(fault.then, request, endpoint)
            case "html":
                page = _PHP_ERROR_PAGE.format(endpoint=endpoint)
                return web.Response(body=page.encode(), headers=_HTML_HEADERS)
            case "empty":
                return web.Response(body=b"", headers=_HTML_HEADERS)
            case "status":
                status = fault.http_status
                try:
                    reason = HTTPStatus(status).phrase
                except ValueError:
                    reason = "Error"
                return web.Response(status=status, text=f"{status} {reason}\n")
            case "drop":
                # No answer at all: the client sees the server disconnect.
                if request.transport is not None:
                    request.transport.close()
                raise asyncio.CancelledError
            case "code":
                body = error_body(fault.error_code)
                return web.Response(body=body.encode(), headers=_HTML_HEADERS)
            case "json":
                payload = fault.payload
                body = payload if isinstance(payload, str) else json_body(payload)
                return web.Response(body=body.encode(), headers=_HTML_HEADERS)

    def _answer(
        self, endpoint: str, params: dict[str, str], remote: str | None
    ) -> tuple[str, str]:
        """(error code, JSON body) for a normally handled API request."""
        try:
            if endpoint == CREDIT:
                username, account = self._authenticate(params, remote)
                return SUCCESS, answer_body(
                    True, SUCCESS, f"{username}|{account.points}"
                )
            message, remaining = self._send(
                params, remote, two_way=endpoint == SEND_TWOWAY
            )
        except ApiError as err:
            return err.code, error_body(err.code)
        summary = f"{message.message_id}|{message.points_used}|{remaining}"
        return SUCCESS, answer_body(True, SUCCESS, summary)

    def _authenticate(
        self, params: dict[str, str], remote: str | None
    ) -> tuple[str, Account]:
        username = params.get("username", "")
        password = params.get("password", "")
        if not username or not password:
            raise ApiError("001")
        account = self.accounts.get(username)
        if account is None or not secrets.compare_digest(
            account.password.encode(), password.encode()
        ):
            raise ApiError("005")
        if account.allowed_ips is not None and remote not in account.allowed_ips:
            raise ApiError("006")
        return username, account

    def _send(
        self, params: dict[str, str], remote: str | None, *, two_way: bool
    ) -> tuple[SentMessage, int]:
        """Validate in the provider's order, charge, and record an accepted send."""
        method = params.get("method", "")
        text = params.get("sms_msg", "")
        if (
            not params.get("username")
            or not params.get("password")
            or method not in {"1", "2"}
            or not text
        ):
            raise ApiError("001")
        username, account = self._authenticate(params, remote)
        phones = split_phones(params.get("phone", ""))
        if not phones:
            raise ApiError("007")
        if len(phones) > MAX_RECIPIENTS:
            raise ApiError("008")
        countries = [country_of(phone) for phone in phones]
        if None in countries:
            raise ApiError("001")
        scheduled_for = None
        if method == "2":
            scheduled_for = parse_schedule(
                params.get("send_date", ""),
                params.get("hour", ""),
                params.get("min", ""),
            )
            if scheduled_for < self.clock():
                raise ApiError("003")
        parts = segments(text)
        if parts > MAX_SEGMENTS:
            raise ApiError("004")
        if two_way:
            if not account.two_way:
                raise ApiError("010")
            if any(country != "TW" for country in countries):
                raise ApiError("001")
        cost = sum(
            parts * points_per_segment(country, two_way=two_way)
            for country in countries
            if country is not None
        )
        if cost > account.points:
            raise ApiError("009")
        account.points -= cost
        message = SentMessage(
            message_id=self._new_id(),
            username=username,
            phones=phones,
            text=text,
            two_way=two_way,
            points_used=cost,
            scheduled_for=scheduled_for,
            recipient_ids={phone: self._new_id() for phone in phones},
            accepted_at=self.clock(),
        )
        self.messages.append(message)
        if account.delivery_url:
            self._spawn(self._deliver(account.delivery_url, message))
        return message, account.points

    def _new_id(self) -> str:
        """A fresh 8-character id, like the document's 59c4e123."""
        while (new_id := secrets.token_hex(4)) in self._ids:
            pass
        self._ids.add(new_id)
        return new_id

    # --- callbacks ----------------------------------------------------------------

    def _spawn[T](self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _deliver(self, url: str, message: SentMessage) -> None:
        await asyncio.sleep(self.callback_delay)
        when = report_time(self.clock())
        lines = [
            f"{phone}|{recipient_id}|{when}|"
            + ("UNDELIV" if phone in self.undeliverable else "DELIVRD")
            for phone, recipient_id in message.recipient_ids.items()
        ]
        await self._post_callback(
            url, {"sms_id": message.message_id, "content": ",".join(lines)}
        )

    async def _post_callback(self, url: str, params: dict[str, str]) -> int:
        """POST with the parameters in the query string, as the document writes them.

        Returns the HTTP status answered, 0 when nothing answered.
        """
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=CALLBACK_TIMEOUT)
        status = 0
        try:
            async with self._session.post(_with_query(url, params)) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as err:
            # The user's URL being down must never take the provider down.
            _LOGGER.warning("Callback to %s failed: %r", url, err)
        else:
            _LOGGER.info("Callback to %s %s -> %s", url, params, status)
        self.callbacks_sent.append((url, params, status))
        return status

    def _reply_account(self, phone: str, username: str | None) -> tuple[str, Account]:
        if username is not None:
            if username not in self.accounts:
                raise ValueError(f"no account {username!r}")
            return username, self.accounts[username]
        for message in reversed(self.messages):
            if message.two_way and phone in message.recipient_ids:
                return message.username, self.accounts[message.username]
        if not self.accounts:
            raise ValueError("the simulator has no account")
        return next(iter(self.accounts.items()))

    async def send_reply(
        self, phone: str, text: str, username: str | None = None
    ) -> int:
        """Post a two-way reply from `phone`, as the provider does when a phone replies.

        Without username: the account that last sent a two-way message to the phone,
        else the first account. Returns the HTTP status answered (0: no answer).
        Raises ValueError for an unknown account or one without a two-way URL.
        """
        username, account = self._reply_account(phone, username)
        if not account.twoway_url:
            raise ValueError(f"account {username!r} has no two-way callback URL")
        # The reply belongs to the latest two-way message this account sent the phone.
        recipient_id = (
            next(
                (
                    message.recipient_ids[phone]
                    for message in reversed(self.messages)
                    if message.two_way
                    and message.username == username
                    and phone in message.recipient_ids
                ),
                None,
            )
            or self._new_id()
        )
        # The reply text is URL-encoded inside the line, the line again on the wire.
        line = (
            f"{phone}|{recipient_id}|{report_time(self.clock())}|{quote(text, safe='')}"
        )
        return await self._post_callback(account.twoway_url, {"content": line})

    async def wait_idle(self) -> None:
        """Wait until every pending callback and delayed request has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Cancel pending callbacks and close the simulator's own HTTP session."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _on_cleanup(self, _app: web.Application) -> None:
        await self.close()

    # --- the settings page and the sandbox's /sim/ endpoints -------------------------

    def _render_settings(self, notice: str = "", username: str = "") -> web.Response:
        account = self.accounts.get(username)
        page = _SETTINGS_PAGE.format(
            notice=notice,
            username=html.escape(username),
            delivery_url=html.escape(account.delivery_url or "") if account else "",
            twoway_url=html.escape(account.twoway_url or "") if account else "",
        )
        return web.Response(text=page, content_type="text/html", charset="utf-8")

    def _account_for(self, username: str, password: str) -> Account | None:
        account = self.accounts.get(username)
        if account is None or not secrets.compare_digest(
            account.password.encode(), password.encode()
        ):
            return None
        return account

    async def _settings_page(self, request: web.Request) -> web.Response:
        return self._render_settings(username=request.query.get("username", ""))

    async def _settings_form(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields = {key: str(form.get(key, "")).strip() for key in _SETTING_KEYS}
        username = fields["username"]
        account = self._account_for(username, fields["password"])
        if account is None:
            notice = '<p class="error">帳號密碼錯誤</p>'
            return self._render_settings(notice, username)
        account.delivery_url = fields["delivery_url"] or None
        account.twoway_url = fields["twoway_url"] or None
        _LOGGER.info(
            "Settings of %s: delivery %s, two-way %s",
            username,
            account.delivery_url,
            account.twoway_url,
        )
        return self._render_settings('<p class="ok">設定已儲存</p>', username)

    async def _sim_settings(self, request: web.Request) -> web.Response:
        data = await _json_object(request)
        if data is None:
            return _json_response({"ok": False, "error": "expected a JSON object"}, 400)
        account = self._account_for(
            str(data.get("username", "")), str(data.get("password", ""))
        )
        if account is None:
            return _json_response(
                {"ok": False, "error": "wrong username or password"}, 403
            )
        # A key left out keeps its value; null or "" clears it.
        if "delivery_url" in data:
            account.delivery_url = str(data["delivery_url"] or "") or None
        if "twoway_url" in data:
            account.twoway_url = str(data["twoway_url"] or "") or None
        _LOGGER.info(
            "Settings of %s: delivery %s, two-way %s",
            data["username"],
            account.delivery_url,
            account.twoway_url,
        )
        return _json_response({"ok": True})

    async def _sim_reply(self, request: web.Request) -> web.Response:
        data = await _json_object(request)
        if (
            data is None
            or not isinstance(data.get("phone"), str)
            or not isinstance(data.get("text"), str)
        ):
            return _json_response(
                {"ok": False, "error": 'expected {"phone": str, "text": str}'}, 400
            )
        username = data.get("username")
        try:
            status = await self.send_reply(
                data["phone"], data["text"], str(username) if username else None
            )
        except ValueError as err:
            return _json_response({"ok": False, "error": str(err)}, 400)
        return _json_response({"ok": True, "status": status})

    async def _sim_messages(self, _request: web.Request) -> web.Response:
        return _json_response([message.as_json() for message in self.messages])

    async def _sim_callbacks(self, _request: web.Request) -> web.Response:
        return _json_response(
            [
                {"url": url, "params": params, "status": status}
                for url, params, status in self.callbacks_sent
            ]
        )


_SETTING_KEYS: Final = ("username", "password", "delivery_url", "twoway_url")


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    try:
        data = await request.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
    )
