"""The provider's HTTP API: send, two-way send and credit, with injected faults."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from http import HTTPStatus
import logging
import secrets
import time
from typing import TYPE_CHECKING, Final

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
    parse_schedule,
    points_per_segment,
    segments,
    split_phones,
)

if TYPE_CHECKING:
    from .server import Simulator

_LOGGER: Final = logging.getLogger(__package__ or "simulator")

CREDIT: Final = "api_query_credit.php"
SEND: Final = "api_send.php"
SEND_TWOWAY: Final = "api_send_twoway.php"
ENDPOINTS: Final = (SEND, SEND_TWOWAY, CREDIT)

_HTML_HEADERS: Final = {"Content-Type": f"{CONTENT_TYPE}; charset={CHARSET}"}

# What a PHP site shows when its script dies, for Fault.html().
_PHP_ERROR_PAGE: Final = (
    "<br />\n<b>Fatal error</b>:  Uncaught mysqli_sql_exception: Too many connections"
    " in /var/www/html/{endpoint}:12\nStack trace:\n#0 {{main}}\n  thrown in"
    " <b>/var/www/html/{endpoint}</b> on line <b>12</b><br />\n"
)


def loggable(params: Mapping[str, str]) -> dict[str, str]:
    """Return the parameters fit for a log line: never the password."""
    return {key: "***" if key == "password" else value for key, value in params.items()}


def check_password(account: Account | None, password: str) -> bool:
    """Return whether the password is the account's, in constant time."""
    return account is not None and secrets.compare_digest(
        account.password.encode(), password.encode()
    )


class ProviderApi:
    """The three API endpoints, answering as the provider's document says."""

    def __init__(self, simulator: Simulator) -> None:
        self._sim = simulator

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Serve each endpoint by GET and POST, as the provider does."""
        for endpoint in ENDPOINTS:
            router.add_get(f"/{endpoint}", self._handle, allow_head=False)
            router.add_post(f"/{endpoint}", self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        endpoint = request.path.removeprefix("/")
        faults = self._sim.faults
        # Popped on arrival, so faults apply to requests in the order they come in.
        fault = faults.popleft() if faults else None
        query = dict(request.query)
        record = RecordedRequest(
            endpoint=endpoint,
            method=request.method,
            params=query,
            started=time.monotonic(),
            query=query,
            remote=request.remote,
        )
        self._sim.requests.append(record)
        try:
            record.form = await _read_form(request)
        except BaseException:
            record.finished = time.monotonic()
            raise
        # PHP's $_REQUEST order: a body field wins over the same name in the URL.
        record.params = {**query, **record.form}
        if fault is not None and fault.kind == "delay":
            # aiohttp's test server cancels a handler whose client has gone, the
            # provider does not: a send outlives the client's timeout in a task.
            return await asyncio.shield(
                self._sim.spawn(self._process(fault, request, endpoint, record))
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
                response = await _apply_fault(fault, request, endpoint)
                if response is not None:
                    _LOGGER.info(
                        "%s %s %s -> fault %s",
                        request.method,
                        endpoint,
                        loggable(record.params),
                        fault.kind,
                    )
                    return response
            code, body = self._answer(endpoint, record.params, request.remote)
            record.error_code = code
            _LOGGER.info(
                "%s %s %s -> %s",
                request.method,
                endpoint,
                loggable(record.params),
                code,
            )
            return web.Response(body=body.encode(), headers=_HTML_HEADERS)
        finally:
            record.finished = time.monotonic()

    def _answer(
        self, endpoint: str, params: dict[str, str], remote: str | None
    ) -> tuple[str, str]:
        """Return (error code, JSON body) for a normally handled API request."""
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
        account = self._sim.accounts.get(username)
        if account is None or not check_password(account, password):
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
            if scheduled_for < self._sim.clock():
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
            message_id=self._sim.new_id(),
            username=username,
            phones=phones,
            text=text,
            two_way=two_way,
            points_used=cost,
            scheduled_for=scheduled_for,
            recipient_ids={phone: self._sim.new_id() for phone in phones},
            accepted_at=self._sim.clock(),
        )
        self._sim.messages.append(message)
        self._sim.message_accepted(message)
        return message, account.points


async def _read_form(request: web.Request) -> dict[str, str]:
    if request.method != "POST":
        return {}
    # request.post() reads urlencoded and multipart forms, and nothing else.
    form = await request.post()
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def _apply_fault(
    fault: Fault, request: web.Request, endpoint: str
) -> web.StreamResponse | None:
    """Return the faulty answer, or None to go on with normal handling."""
    match fault.kind:
        case "delay":
            await asyncio.sleep(fault.seconds)
            if fault.then is None:
                return None
            return await _apply_fault(fault.then, request, endpoint)
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
