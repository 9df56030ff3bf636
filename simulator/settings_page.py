"""The settings page: the provider's API settings, people who answer, messages sent."""

from __future__ import annotations

from html import escape
import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

from aiohttp import web

from .api import check_password
from .models import AutoAnswer
from .protocol import TAIPEI

if TYPE_CHECKING:
    from .server import Simulator

_LOGGER: Final = logging.getLogger(__package__ or "simulator")

_SETTING_KEYS: Final = ("username", "password", "delivery_url", "twoway_url")

# The first form copies the provider's own API settings page, in its language; the
# rest is the simulator's, for the sandbox.
_PAGE: Final = """<!DOCTYPE html>
<html lang="zh-Hant">
<head><meta charset="utf-8"><title>API 設定 - SMS-Get simulator</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; }}
.error {{ color: #b00; }} .ok {{ color: #070; }}
</style></head>
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
<p>雙向簡訊代碼 {two_way_code}</p>
<p><button type="submit">儲存</button></p>
</form>

<h2 lang="en">People who answer</h2>
<p lang="en">When a two-way message to the phone is accepted, its person answers after
the delay: the simulator posts the reply to the account's two-way callback URL. (A
recipient trusted with Assist who answers every message talks with Assist in a loop.)</p>
{answer_notice}
<form method="post" action="/settings/answers" lang="en">
<input type="hidden" name="username" value="{username}">
<p><label>Phone <input name="phone" placeholder="0912345678" required></label>
<label>answers <input name="text" placeholder="1" required></label>
<label>after <input name="delay" type="number" min="0" max="3600" step="any"
value="3" size="5"> seconds</label>
<label><input name="with_code" type="checkbox" value="on" checked>
with the account's two-way code first</label>
<button type="submit">Add</button></p>
</form>
{answers}

<h2 lang="en">Messages sent (newest first)</h2>
<p lang="en"><a href="/settings?{query}">Refresh</a></p>
{messages}
</body>
</html>
"""


class SettingsPage:
    """The HTML page at /settings and the forms it posts."""

    def __init__(self, simulator: Simulator) -> None:
        self._sim = simulator

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Serve the page and its forms."""
        router.add_get("/settings", self._page, allow_head=False)
        router.add_post("/settings", self._save_settings)
        router.add_post("/settings/answers", self._add_answer)
        router.add_post("/settings/answers/delete", self._remove_answer)

    async def _page(self, request: web.Request) -> web.Response:
        return self._render(username=request.query.get("username", ""))

    async def _save_settings(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields = {key: str(form.get(key, "")).strip() for key in _SETTING_KEYS}
        username = fields["username"]
        account = self._sim.accounts.get(username)
        if account is None or not check_password(account, fields["password"]):
            return self._render(username, notice='<p class="error">帳號密碼錯誤</p>')
        account.delivery_url = fields["delivery_url"] or None
        account.twoway_url = fields["twoway_url"] or None
        _LOGGER.info(
            "Settings of %s: delivery %s, two-way %s",
            username,
            account.delivery_url,
            account.twoway_url,
        )
        return self._render(username, notice='<p class="ok">設定已儲存</p>')

    async def _add_answer(self, request: web.Request) -> web.Response:
        form = await request.post()
        username = str(form.get("username", ""))
        try:
            rule = AutoAnswer.checked(
                str(form.get("phone", "")),
                str(form.get("text", "")),
                float(str(form.get("delay", "") or "0")),
                with_code=form.get("with_code") == "on",
            )
        except ValueError as err:
            return self._render(
                username,
                answer_notice=f'<p class="error" lang="en">{escape(str(err))}</p>',
                status=400,
            )
        self._sim.auto_answers[rule.phone] = rule
        _LOGGER.info("%s now answers two-way messages: %s", rule.phone, rule)
        raise web.HTTPSeeOther(_page_url(username))

    async def _remove_answer(self, request: web.Request) -> web.Response:
        form = await request.post()
        self._sim.auto_answers.pop(str(form.get("phone", "")), None)
        raise web.HTTPSeeOther(_page_url(str(form.get("username", ""))))

    def _render(
        self,
        username: str = "",
        *,
        notice: str = "",
        answer_notice: str = "",
        status: int = 200,
    ) -> web.Response:
        account = self._sim.accounts.get(username)
        page = _PAGE.format(
            notice=notice,
            username=escape(username),
            delivery_url=escape(account.delivery_url or "") if account else "",
            twoway_url=escape(account.twoway_url or "") if account else "",
            two_way_code=escape((account.two_way_code or "—") if account else "—"),
            answer_notice=answer_notice,
            answers=self._answers_html(username),
            query=escape(urlencode({"username": username})),
            messages=self._messages_html(),
        )
        return web.Response(
            text=page, status=status, content_type="text/html", charset="utf-8"
        )

    def _answers_html(self, username: str) -> str:
        if not self._sim.auto_answers:
            return '<p lang="en">Nobody answers by themselves yet.</p>'
        rows = "".join(
            "<tr><td>{phone}</td><td>{text}</td><td>{delay:g} s</td><td>{code}</td>"
            '<td><form method="post" action="/settings/answers/delete">'
            '<input type="hidden" name="phone" value="{phone}">'
            '<input type="hidden" name="username" value="{username}">'
            '<button type="submit">Remove</button></form></td></tr>'.format(
                phone=escape(rule.phone),
                text=escape(rule.text),
                delay=rule.delay,
                code="yes" if rule.with_code else "no",
                username=escape(username),
            )
            for rule in self._sim.auto_answers.values()
        )
        return (
            '<table lang="en"><tr><th>Phone</th><th>Answers</th><th>After</th>'
            f"<th>With code</th><th></th></tr>{rows}</table>"
        )

    def _messages_html(self) -> str:
        if not self._sim.messages:
            return '<p lang="en">No message sent yet.</p>'
        rows = "".join(
            "<tr><td>{when}</td><td>{account}</td><td>{phones}</td><td>{kind}</td>"
            "<td>{points}</td><td>{text}</td></tr>".format(
                when=escape(
                    message.accepted_at.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M:%S")
                    if message.accepted_at
                    else ""
                ),
                account=escape(message.username),
                phones=escape(", ".join(message.phones)),
                kind="two-way" if message.two_way else "one-way",
                points=message.points_used,
                text=escape(message.text).replace("\n", "<br>"),
            )
            for message in reversed(self._sim.messages)
        )
        return (
            '<table lang="en"><tr><th>Accepted (GMT+8)</th><th>Account</th>'
            "<th>To</th><th>Kind</th><th>Points</th><th>Text</th></tr>"
            f"{rows}</table>"
        )


def _page_url(username: str) -> str:
    return f"/settings?{urlencode({'username': username})}" if username else "/settings"
