"""The callbacks the provider posts: delivery reports, replies and people's answers."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import aiohttp

from .models import Account, AutoAnswer, SentMessage
from .protocol import report_time

if TYPE_CHECKING:
    from .server import Simulator

_LOGGER: Final = logging.getLogger(__package__ or "simulator")

CALLBACK_TIMEOUT: Final = aiohttp.ClientTimeout(total=10)


def with_query(url: str, params: Mapping[str, str]) -> str:
    """Return the URL with the parameters appended to its query, encoded as PHP does."""
    parts = urlsplit(url)
    query = urlencode(params)
    return urlunsplit(
        parts._replace(query=f"{parts.query}&{query}" if parts.query else query)
    )


def answer_text(rule: AutoAnswer, account: Account) -> str:
    """Return what the person texts back: the rule's text, after the code if asked."""
    if rule.with_code and account.two_way_code:
        return f"{account.two_way_code} {rule.text}"
    return rule.text


class CallbackSender:
    """Post callbacks to the URLs of the accounts' settings, as the provider does."""

    def __init__(self, simulator: Simulator) -> None:
        self._sim = simulator
        self._session: aiohttp.ClientSession | None = None

    def message_accepted(self, message: SentMessage) -> None:
        """Schedule the delivery report and the answers of people who answer."""
        account = self._sim.accounts[message.username]
        if account.delivery_url:
            self._sim.spawn(self._deliver(account.delivery_url, message))
        if not message.two_way:
            return
        for phone in message.recipient_ids:
            if (rule := self._sim.auto_answers.get(phone)) is not None:
                self._sim.spawn(self._auto_answer(rule, message))

    async def _deliver(self, url: str, message: SentMessage) -> None:
        await asyncio.sleep(self._sim.callback_delay)
        when = report_time(self._sim.clock())
        lines = [
            f"{phone}|{recipient_id}|{when}|"
            + ("UNDELIV" if phone in self._sim.undeliverable else "DELIVRD")
            for phone, recipient_id in message.recipient_ids.items()
        ]
        await self.post(url, {"sms_id": message.message_id, "content": ",".join(lines)})

    async def _auto_answer(self, rule: AutoAnswer, message: SentMessage) -> None:
        """Answer the message as the rule's person does, once it has reached them."""
        wait = rule.delay
        if message.scheduled_for is not None:
            wait += max(
                0.0, (message.scheduled_for - self._sim.clock()).total_seconds()
            )
        await asyncio.sleep(wait)
        # Read now: the account's settings may have changed while the person read.
        account = self._sim.accounts.get(message.username)
        if account is None or not account.twoway_url:
            _LOGGER.warning(
                "%s answered, but account %s has no two-way callback URL",
                rule.phone,
                message.username,
            )
            return
        await self._post_reply(
            account.twoway_url,
            rule.phone,
            message.recipient_ids[rule.phone],
            answer_text(rule, account),
        )

    async def send_reply(self, phone: str, text: str, username: str | None) -> int:
        """Post a two-way reply from `phone`; see Simulator.send_reply."""
        username, account = self._reply_account(phone, username)
        if not account.twoway_url:
            raise ValueError(f"account {username!r} has no two-way callback URL")
        # The reply belongs to the latest two-way message this account sent the phone.
        recipient_id = (
            next(
                (
                    message.recipient_ids[phone]
                    for message in reversed(self._sim.messages)
                    if message.two_way
                    and message.username == username
                    and phone in message.recipient_ids
                ),
                None,
            )
            or self._sim.new_id()
        )
        return await self._post_reply(account.twoway_url, phone, recipient_id, text)

    def _reply_account(self, phone: str, username: str | None) -> tuple[str, Account]:
        accounts = self._sim.accounts
        if username is not None:
            if username not in accounts:
                raise ValueError(f"no account {username!r}")
            return username, accounts[username]
        for message in reversed(self._sim.messages):
            if message.two_way and phone in message.recipient_ids:
                return message.username, accounts[message.username]
        if not accounts:
            raise ValueError("the simulator has no account")
        return next(iter(accounts.items()))

    async def _post_reply(
        self, url: str, phone: str, recipient_id: str, text: str
    ) -> int:
        # The reply text is URL-encoded inside the line, the line again on the wire.
        line = (
            f"{phone}|{recipient_id}|{report_time(self._sim.clock())}"
            f"|{quote(text, safe='')}"
        )
        return await self.post(url, {"content": line})

    async def post(self, url: str, params: dict[str, str]) -> int:
        """POST with the parameters in the query string, as the document writes them.

        Returns the HTTP status answered, 0 when nothing answered.
        """
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=CALLBACK_TIMEOUT)
        status = 0
        try:
            async with self._session.post(with_query(url, params)) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as err:
            # The user's URL being down must never take the provider down.
            _LOGGER.warning("Callback to %s failed: %r", url, err)
        else:
            _LOGGER.info("Callback to %s %s -> %s", url, params, status)
        self._sim.callbacks_sent.append((url, params, status))
        return status

    async def close(self) -> None:
        """Close the HTTP session of the callbacks."""
        if self._session is not None:
            await self._session.close()
            self._session = None
