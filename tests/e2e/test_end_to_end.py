"""SMS-Get in a real Home Assistant, seen only through its REST and websocket APIs.

The tests share one Home Assistant per module and run in file order: set up, send,
reply, restart, then read the log of all of it. Each also runs alone (`-k`): its
fixtures add the entry when no earlier test did.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import aiohttp
import pytest

from sandbox import HassClient, HassWebSocket, SandboxError, wait_until_up

from .conftest import (
    CREDIT_SENSOR,
    DOMAIN,
    OWNER_PASSWORD,
    OWNER_USERNAME,
    PASSWORD,
    POINTS,
    USERNAME,
    WRONG_PASSWORD,
    EndToEnd,
    entry_created,
)

# One Home Assistant for the module: with pytest-xdist, all of it on one worker.
pytestmark = pytest.mark.xdist_group("end_to_end")

# Callbacks come 0.1 s after a send; this is for a slow machine.
EVENT_TIMEOUT = 15
RESTART_EXIT_CODE = 100


async def next_event(queue: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    """The data of the next event of a subscription."""
    async with asyncio.timeout(EVENT_TIMEOUT):
        event = await queue.get()
    data: dict[str, Any] = event["data"]
    return data


async def credit(api: HassClient) -> int:
    """The credit sensor's state."""
    state = await api.state(CREDIT_SENSOR)
    assert state is not None
    return int(state["state"])


async def sim_get(session: aiohttp.ClientSession, url: str) -> Any:
    """JSON from the simulator's sandbox endpoints."""
    async with session.get(url) as response:
        return await response.json()


async def sim_reply(
    session: aiohttp.ClientSession, e2e: EndToEnd, phone: str, text: str
) -> None:
    """A phone replies; the simulator posts it to the two-way callback URL."""
    async with session.post(
        f"{e2e.sim_url}/sim/reply", json={"phone": phone, "text": text}
    ) as response:
        answer = await response.json()
    # The status Home Assistant's webhook answered the simulator.
    assert answer == {"ok": True, "status": 200}


async def test_config_flow(
    running: EndToEnd, api: HassClient, session: aiohttp.ClientSession
) -> None:
    """A wrong password is refused with the form kept; the right one adds the entry."""
    form = await api.start_flow(DOMAIN)
    assert form["type"] == "form"
    assert form["step_id"] == "user"
    user_input = {
        "username": USERNAME,
        "password": WRONG_PASSWORD,
        "advanced": {"api_url": running.sim_url},
    }

    result = await api.flow_step(form["flow_id"], user_input)
    assert result["type"] == "form"
    assert result["errors"] == {"base": "invalid_auth"}
    fields = {field["name"]: field for field in result["data_schema"]}
    assert fields["username"]["default"] == USERNAME
    assert "default" not in fields["password"]
    assert await api.config_entries(DOMAIN) == []

    result = await api.flow_step(form["flow_id"], {**user_input, "password": PASSWORD})
    assert result["type"] == "create_entry"
    assert result["title"] == USERNAME
    assert result["result"]["state"] == "loaded"
    webhook_url = result["description_placeholders"]["webhook_url"]
    assert re.fullmatch(
        rf"{re.escape(running.hass_url)}/api/webhook/[0-9a-f]{{32,}}", webhook_url
    )
    # The user pastes the URL into both callback fields of SMS-Get's settings page.
    await entry_created(running, session, result)

    again = await api.start_flow(DOMAIN)
    result = await api.flow_step(again["flow_id"], {**user_input, "password": PASSWORD})
    assert result["type"] == "abort"
    assert result["reason"] == "already_configured"
    entries = await api.config_entries(DOMAIN)
    assert [entry["entry_id"] for entry in entries] == [running.entry_id]


async def test_credit_sensor(api: HassClient, entry_id: str) -> None:
    """The account's credit shows at once, as a measurement in points."""
    state = await api.state(CREDIT_SENSOR)
    assert state is not None
    assert state["state"] == str(POINTS)
    assert state["attributes"]["state_class"] == "measurement"
    assert state["attributes"]["unit_of_measurement"] == "points"


async def test_send_message_and_delivery_report(
    running: EndToEnd,
    api: HassClient,
    ws: HassWebSocket,
    session: aiohttp.ClientSession,
    entry_id: str,
) -> None:
    """A send answers with response data, costs points and gets delivery reports."""
    before = await credit(api)
    sent = await ws.subscribe_events("sms_get_message_sent")
    reports = await ws.subscribe_events("sms_get_delivery_report")

    response = await ws.call_service(
        DOMAIN,
        "send_message",
        {
            "message": "Hello from the end-to-end test",
            "recipients": ["0912345678", "+886 912-345-679"],
        },
        return_response=True,
    )

    # Two Taiwan numbers, one segment each: 1 point per segment and number.
    assert response["points_used"] == 2
    assert response["credit_remaining"] == before - 2
    assert response["recipients"] == 2
    [message] = response["messages"]
    assert message["points_used"] == 2
    assert message["recipients"] == ["0912345678", "0912345679"]
    assert await credit(api) == before - 2

    event = await next_event(sent)
    assert event["config_entry_id"] == entry_id
    assert event["message_id"] == message["message_id"]
    assert event["recipients"] == ["0912345678", "0912345679"]
    assert event["points_used"] == 2
    assert event["credit_remaining"] == before - 2
    assert event["two_way"] is False

    delivered = [await next_event(reports), await next_event(reports)]
    assert {report["phone"] for report in delivered} == {"0912345678", "0912345679"}
    for report in delivered:
        assert report["config_entry_id"] == entry_id
        assert report["message_id"] == message["message_id"]
        assert report["status"] == "DELIVRD"
        assert report["delivered"] is True
        assert report["reported_at"].endswith("+08:00")

    # What SMS-Get received: the text, to the numbers in its own format.
    [received] = [
        item
        for item in await sim_get(session, f"{running.sim_url}/sim/messages")
        if item["message_id"] == message["message_id"]
    ]
    assert received["text"] == "Hello from the end-to-end test"
    assert received["phones"] == ["0912345678", "0912345679"]


async def test_two_way_reply(
    running: EndToEnd,
    api: HassClient,
    ws: HassWebSocket,
    session: aiohttp.ClientSession,
    entry_id: str,
) -> None:
    """With the two-way code set in the options, a reply arrives split into code/text."""
    form = await api.start_options_flow(entry_id)
    assert form["type"] == "form"
    assert form["description_placeholders"]["webhook_url"] == running.webhook_url

    # Options take effect in place: the webhook reads the code when a reply arrives.
    result = await api.options_flow_step(
        form["flow_id"], {"two_way_code": "03", "low_credit_threshold": 50}
    )
    assert result["type"] == "create_entry"

    replies = await ws.subscribe_events("sms_get_reply_received")
    response = await ws.call_service(
        DOMAIN,
        "send_message",
        {
            "message": "Coming tonight? Reply 03 yes",
            "recipients": ["0912345678"],
            "two_way": True,
        },
        return_response=True,
    )
    [message] = response["messages"]
    await sim_reply(session, running, "0912345678", "03 yes")

    reply = await next_event(replies)
    [sent] = [
        item
        for item in await sim_get(session, f"{running.sim_url}/sim/messages")
        if item["message_id"] == message["message_id"]
    ]
    assert sent["two_way"] is True
    assert reply == {
        "config_entry_id": entry_id,
        "phone": "0912345678",
        "recipient_message_id": sent["recipient_ids"]["0912345678"],
        "received_at": reply["received_at"],
        "raw_text": "03 yes",
        "code": "03",
        "text": "yes",
        "recipient": None,
    }
    assert reply["received_at"].endswith("+08:00")
    running.two_way_code = "03"


async def test_ask(
    running: EndToEnd,
    api: HassClient,
    ws: HassWebSocket,
    session: aiohttp.ClientSession,
    entry_id: str,
) -> None:
    """sms_get.ask: the question goes out two-way; the simulator's person answers.

    Grandma answers full-width (as a Chinese keyboard types) 3 s after the question;
    a text that is not an answer, sent before, leaves the ask waiting.
    """
    code = running.two_way_code
    prefix = f"{code} " if code else ""
    async with session.post(
        f"{running.sim_url}/sim/answers",
        json={
            "phone": "0912345678",
            "text": f"{prefix}\uff11",
            "delay": 3,
            "with_code": False,
        },
    ) as rule:
        assert (await rule.json())["ok"] is True
    sent = await ws.subscribe_events("sms_get_message_sent")
    replies = await ws.subscribe_events("sms_get_reply_received")
    ask = asyncio.create_task(
        ws.call_service(
            DOMAIN,
            "ask",
            {
                "message": f"Someone is at the gate. Reply {prefix}1 to open it.",
                "recipient": "+886 912 345 678",
                "answers": ["1", "2"],
                "timeout": {"minutes": 2},
            },
            return_response=True,
        )
    )
    try:
        sending = asyncio.ensure_future(next_event(sent))
        await asyncio.wait({ask, sending}, return_when=asyncio.FIRST_COMPLETED)
        if ask.done():
            # Refused before anything was sent: show why.
            sending.cancel()
            ask.result()
        message = await sending
        assert message["two_way"] is True
        assert message["recipients"] == ["0912345678"]

        await sim_reply(session, running, "0912345678", f"{prefix}who is it?")
        assert (await next_event(replies))["text"] == "who is it?"
        assert not ask.done()
        assert (await next_event(replies))["text"] == "\uff11"
        async with asyncio.timeout(EVENT_TIMEOUT):
            response = await ask
    finally:
        async with session.delete(
            f"{running.sim_url}/sim/answers/0912345678"
        ) as removed:
            await removed.read()
    assert response == {
        "answered": True,
        "reason": "answered",
        "reply": "\uff11",
        "answer": "1",
        "phone": "0912345678",
        "received_at": response["received_at"],
        "message_id": message["message_id"],
        "points_used": 1,
    }
    assert response["received_at"].endswith("+08:00")


async def test_restart_keeps_webhook_url(
    running: EndToEnd,
    api: HassClient,
    session: aiohttp.ClientSession,
    entry_id: str,
) -> None:
    """After a restart the entry comes back with the same callback URL, working."""
    assert running.hass is not None
    before = await credit(api)
    async with await api.websocket() as ws:
        # The connection closes with Home Assistant, often before the result.
        with contextlib.suppress(SandboxError):
            await ws.call_service("homeassistant", "restart")
    # Home Assistant exits for its process manager to start it again.
    assert await running.hass.async_wait_exit() == RESTART_EXIT_CODE

    hass = running.start_hass()
    await wait_until_up(session, f"{running.hass_url}/api/onboarding", hass)
    await api.login(OWNER_USERNAME, OWNER_PASSWORD)
    running.token = api.token
    await api.wait_running()
    await api.promote_http_config()

    [entry] = await api.config_entries(DOMAIN)
    assert entry["entry_id"] == entry_id
    assert entry["state"] == "loaded"
    assert await api.webhook_url(entry_id) == running.webhook_url
    assert await credit(api) == before

    # The URL pasted into SMS-Get before the restart still reaches the entry.
    async with await api.websocket() as ws:
        replies = await ws.subscribe_events("sms_get_reply_received")
        await sim_reply(session, running, "0912345678", "still there")
        reply = await next_event(replies)
    assert reply["config_entry_id"] == entry_id
    assert reply["phone"] == "0912345678"
    assert reply["raw_text"] == "still there"


async def test_onboarding_adds_nothing_else(api: HassClient, entry_id: str) -> None:
    """The integrations onboarding would add (Radio Browser...) are left out."""
    entries = await api.request("GET", "/api/config/config_entries/entry")
    assert {entry["domain"] for entry in entries} & {
        "google_translate",
        "met",
        "radio_browser",
        "shopping_list",
    } == set()
    assert [entry["entry_id"] for entry in entries if entry["state"] != "loaded"] == []


# A log line: "2026-01-01 12:00:00.000 WARNING (MainThread) [logger.name] message".
LOG_RECORD = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) \([^)]*\) \[(?P<logger>[^\]]+)\]")


def read_logs(e2e: EndToEnd) -> str:
    """Home Assistant's log file and console output, all of it."""
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in e2e.logs
        if path.exists()
    )


async def test_log_is_clean(running: EndToEnd, entry_id: str) -> None:
    """No password, no blocking call, no warning or error from the integration."""
    assert running.hass is not None
    # Stopped first, so the shutdown is in the log too.
    await running.hass.async_stop()
    text = await asyncio.to_thread(read_logs, running)
    # The log covers the integration at debug level, or its silence would prove nothing.
    assert " DEBUG (MainThread) [custom_components.sms_get" in text

    for secret in (PASSWORD, WRONG_PASSWORD, OWNER_PASSWORD):
        assert secret not in text

    lines = text.splitlines()
    # Tracebacks through our code, blocking-call and frame reports name its files.
    assert [line for line in lines if "custom_components/sms_get" in line] == []
    assert [
        line for line in lines if "blocking call" in line.lower() and "sms_get" in line
    ] == []
    assert [
        line
        for line in lines
        if (record := LOG_RECORD.match(line))
        and record["logger"].startswith("custom_components.sms_get")
        and record["level"] not in ("DEBUG", "INFO")
    ] == []
