"""Assist over SMS: a trusted recipient's texts reach the conversation agent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from http import HTTPStatus
from itertools import count
import logging
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigSubentryData
from homeassistant.const import CONF_NAME, CONF_PASSWORD, CONF_USERNAME, MATCH_ALL
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.ulid import ulid_now
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sms_get import logbook
from custom_components.sms_get.assist import DATA_ASSIST
from custom_components.sms_get.const import (
    CONF_ASSIST,
    CONF_ASSIST_ANSWER_SEGMENTS,
    CONF_CONVERSATION_AGENT,
    CONF_DAILY_POINT_LIMIT,
    CONF_LOW_CREDIT_THRESHOLD,
    CONF_MAX_POINTS_PER_SEND,
    CONF_PHONE,
    CONF_TWO_WAY_CODE,
    DEFAULT_CONVERSATION_AGENT,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from custom_components.sms_get.provider import shorten
from custom_components.sms_get.provider.cost import segments
from simulator import Account, Fault, Simulator

from .conftest import PASSWORD, USERNAME, WEBHOOK_ID

ENTRY_ID = "01JSMSGETENTRY0000000000000"
AGENT_ENTRY_ID = "01JTESTAGENTENTRY0000000000"
GRANDMA = "0912345678"
DAD = "0987654321"
STRANGER = "0955555555"
CODE = "03"
TAIPEI = ZoneInfo("Asia/Taipei")
EVENT = "sms_get_assist"

type Client = TestClient[Any, Any]


class FakeAgent(conversation.AbstractConversationAgent):
    """A conversation agent that answers what it is told to, and remembers inputs."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Answer with an echo until told otherwise."""
        self.hass = hass
        self.unset_while_answering = False
        self.inputs: list[conversation.ConversationInput] = []
        self.answer: str | None = None
        self.error: Exception | None = None

    @property
    def supported_languages(self) -> str:
        """Every language."""
        return MATCH_ALL

    async def async_process(
        self, user_input: conversation.ConversationInput
    ) -> conversation.ConversationResult:
        """Answer, or raise what the test set."""
        self.inputs.append(user_input)
        if self.unset_while_answering:
            conversation.async_unset_agent(
                self.hass,
                self.hass.config_entries.async_get_entry(AGENT_ENTRY_ID),  # type: ignore[arg-type]
            )
        if self.error is not None:
            raise self.error
        response = intent.IntentResponse(language=user_input.language)
        response.async_set_speech(
            self.answer if self.answer is not None else f"You said {user_input.text}"
        )
        return conversation.ConversationResult(
            response=response,
            conversation_id=user_input.conversation_id or ulid_now(),
        )


def _recipient(name: str, phone: str, *, assist: bool) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={CONF_NAME: name, CONF_PHONE: phone, CONF_ASSIST: assist},
        subentry_id=f"subentry_{name.lower()}",
        subentry_type=SUBENTRY_RECIPIENT,
        title=name,
        unique_id=phone,
    )


def _entry(
    entry_data: dict[str, Any],
    *,
    entry_id: str = ENTRY_ID,
    agent: str = AGENT_ENTRY_ID,
    **options: Any,
) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=entry_data[CONF_USERNAME],
        unique_id=entry_data[CONF_USERNAME],
        data=entry_data,
        options={
            CONF_TWO_WAY_CODE: CODE,
            CONF_LOW_CREDIT_THRESHOLD: 50,
            CONF_CONVERSATION_AGENT: agent,
            CONF_ASSIST_ANSWER_SEGMENTS: 2,
            **options,
        },
        entry_id=entry_id,
        subentries_data=[
            _recipient("Grandma", GRANDMA, assist=True),
            _recipient("Dad", DAD, assist=False),
        ],
    )


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """Grandma may use Assist, Dad may not; the test agent answers."""
    return _entry(entry_data)


@pytest.fixture
async def agent(hass: HomeAssistant) -> FakeAgent:
    """A test agent of its own config entry, as conversation integrations set one."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    agent_entry = MockConfigEntry(
        domain="test", title="Test agent", entry_id=AGENT_ENTRY_ID
    )
    agent_entry.add_to_hass(hass)
    fake = FakeAgent(hass)
    conversation.async_set_agent(hass, agent_entry, fake)
    return fake


@pytest.fixture
async def client(
    hass: HomeAssistant,
    agent: FakeAgent,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> Client:
    """An HTTP client for Home Assistant, with SMS-Get and the agent set up."""
    return await hass_client_no_auth()


@pytest.fixture
def events(hass: HomeAssistant) -> list[Event]:
    """The sms_get_assist events."""
    return async_capture_events(hass, EVENT)


_IDS = count(1)


async def text(
    hass: HomeAssistant,
    client: Client,
    phone: str,
    message: str,
    *,
    webhook_id: str = WEBHOOK_ID,
    age: timedelta = timedelta(0),
) -> None:
    """Post a reply as SMS-Get does, stamped with the carrier's time, and settle."""
    sent_at = (dt_util.now(TAIPEI) - age).strftime("%Y-%m-%d %H:%M:%S")
    line = f"{phone}|R{next(_IDS):08d}|{sent_at}|{quote(message, safe='')}"
    response = await client.post(f"/api/webhook/{webhook_id}", data={"content": line})
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done(wait_background_tasks=True)


def assist_event(
    text: str,
    response: str | None,
    *,
    message_id: str | None = None,
    points_used: int | None = None,
    error: str | None = None,
    phone: str = GRANDMA,
    recipient: str = "Grandma",
    entry_id: str = ENTRY_ID,
) -> dict[str, Any]:
    """The data of one sms_get_assist event."""
    return {
        "config_entry_id": entry_id,
        "phone": phone,
        "recipient": recipient,
        "text": text,
        "response": response,
        "message_id": message_id,
        "points_used": points_used,
        "error": error,
    }


def _answered(simulator: Simulator, text: str, response: str) -> dict[str, Any]:
    """The event of an answered request: the last message sent is the answer."""
    message = simulator.messages[-1]
    assert message.text == response
    assert message.phones == [GRANDMA]
    assert message.two_way
    return assist_event(
        text,
        response,
        message_id=message.message_id,
        points_used=message.points_used,
    )


async def test_answered_by_the_agent(
    hass: HomeAssistant,
    simulator: Simulator,
    client: Client,
    agent: FakeAgent,
    events: list[Event],
) -> None:
    """Grandma's text goes to the agent without the code; its answer is texted back."""
    sent = async_capture_events(hass, "sms_get_message_sent")
    await text(hass, client, GRANDMA, "03 is the garage open?")

    assert [user_input.text for user_input in agent.inputs] == ["is the garage open?"]
    user_input = agent.inputs[0]
    assert user_input.language == hass.config.language
    assert user_input.agent_id == AGENT_ENTRY_ID
    assert user_input.conversation_id is None
    assert [event.data for event in events] == [
        _answered(simulator, "is the garage open?", "You said is the garage open?")
    ]
    # The answer is a send like any other, and shares the reply's cause.
    assert len(sent) == 1
    replies = async_capture_events(hass, "sms_get_reply_received")
    await text(hass, client, GRANDMA, "03 thanks")
    assert events[-1].context.id == replies[0].context.id
    assert user_input.context.id != replies[0].context.id


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        (STRANGER, "03 open the garage"),
        (DAD, "03 open the garage"),
        # The account's code is missing, or nothing follows it.
        (GRANDMA, "open the garage"),
        (GRANDMA, "03"),
        (GRANDMA, "03   "),
    ],
    ids=["unknown-sender", "assist-off", "no-code", "code-only", "code-and-spaces"],
)
async def test_not_for_assist(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    agent: FakeAgent,
    events: list[Event],
    phone: str,
    message: str,
) -> None:
    """Only a trusted recipient's coded, non-empty text reaches the agent."""
    replies = async_capture_events(hass, "sms_get_reply_received")
    await text(hass, client, phone, message)

    assert len(replies) == 1
    assert not agent.inputs
    assert not events
    assert not simulator.messages


@pytest.mark.parametrize(
    "age",
    [timedelta(minutes=16), timedelta(minutes=-6)],
    ids=["replayed", "from-the-future"],
)
async def test_stale_reply_never_reaches_assist(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    agent: FakeAgent,
    events: list[Event],
    age: timedelta,
) -> None:
    """A reply too old or too far ahead fires its events, and nothing more."""
    replies = async_capture_events(hass, "sms_get_reply_received")
    await text(hass, client, GRANDMA, "03 open the garage", age=age)

    assert len(replies) == 1
    assert not agent.inputs
    assert not events
    assert not simulator.messages


async def test_no_code_configured(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    entry_data: dict[str, Any],
    agent: FakeAgent,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
    external_url: str,
    events: list[Event],
) -> None:
    """Without a two-way code, the whole text is the request."""
    entry = _entry(entry_data, **{CONF_TWO_WAY_CODE: ""})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    client = await hass_client_no_auth()

    await text(hass, client, GRANDMA, "turn off the porch light")

    assert [event.data for event in events] == [
        _answered(
            simulator, "turn off the porch light", "You said turn off the porch light"
        )
    ]


async def test_reconfigure_turns_assist_on(
    hass: HomeAssistant,
    simulator: Simulator,
    client: Client,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
) -> None:
    """The recipient's reconfigure step switches Assist over SMS on and off."""
    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": "subentry_dad"},
    )
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Dad", CONF_PHONE: DAD, CONF_ASSIST: True}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.subentries["subentry_dad"].data[CONF_ASSIST] is True

    await text(hass, client, DAD, "03 hello")
    assert [user_input.text for user_input in agent.inputs] == ["hello"]
    assert simulator.messages[-1].phones == [DAD]

    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": "subentry_dad"},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Dad", CONF_PHONE: DAD, CONF_ASSIST: False}
    )
    await hass.async_block_till_done()
    await text(hass, client, DAD, "03 hello again")
    assert len(agent.inputs) == 1


@pytest.mark.parametrize(
    ("max_segments", "answer"),
    [
        (1, "The porch light is on and the garage door is closed. " * 10),
        (2, "The porch light is on and the garage door is closed. " * 10),
        (5, "The porch light is on and the garage door is closed. " * 20),
        (1, "門廊燈已經打開了車庫門是關著的" * 10),
        (2, "門廊燈已經打開了車庫門是關著的" * 10),
        (3, "門廊燈已經打開了車庫門是關著的" * 30),
    ],
)
async def test_answer_cut_to_segments(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
    events: list[Event],
    max_segments: int,
    answer: str,
) -> None:
    """A long answer is cut with an ellipsis to the option's segments, at once."""
    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, CONF_ASSIST_ANSWER_SEGMENTS: max_segments},
    )
    await hass.async_block_till_done()
    agent.answer = answer

    await text(hass, client, GRANDMA, "03 status")

    expected = shorten(answer.strip(), max_segments)
    assert expected != answer
    assert expected.endswith("..." if answer.isascii() else "…")
    assert segments(expected) == max_segments
    assert simulator.messages[-1].points_used == max_segments
    assert [event.data for event in events] == [
        _answered(simulator, "status", expected)
    ]


async def test_answer_whatever_it_says(
    hass: HomeAssistant,
    simulator: Simulator,
    client: Client,
    agent: FakeAgent,
    events: list[Event],
) -> None:
    """Emoji SMS-Get cannot carry are left out; an empty answer texts nothing."""
    agent.answer = "Done 👍"
    await text(hass, client, GRANDMA, "03 lights off")
    assert simulator.messages[-1].text == "Done"

    agent.answer = ""
    await text(hass, client, GRANDMA, "03 lights on")
    assert len(simulator.messages) == 1
    assert events[-1].data == assist_event("lights on", None)


async def test_follow_up_keeps_the_conversation(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    client: Client,
    agent: FakeAgent,
) -> None:
    """Within 5 minutes of the last exchange a text continues the conversation."""
    await text(hass, client, GRANDMA, "03 turn on the porch light")
    first = agent.inputs[0]
    assert first.conversation_id is None
    await text(hass, client, DAD, "03 not for Assist")

    freezer.tick(timedelta(minutes=4))
    await text(hass, client, GRANDMA, "03 and the garden light")
    conversation_id = agent.inputs[1].conversation_id
    assert conversation_id is not None

    # 5 minutes counted from the last exchange, not the first.
    freezer.tick(timedelta(minutes=5))
    await text(hass, client, GRANDMA, "03 thanks")
    assert agent.inputs[2].conversation_id == conversation_id

    freezer.tick(timedelta(minutes=5, seconds=1))
    await text(hass, client, GRANDMA, "03 is the garage open?")
    assert agent.inputs[3].conversation_id is None


async def test_rate_limit(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    client: Client,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
    events: list[Event],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """20 requests per phone in any 60 minutes; the count survives a reload."""
    for number in range(10):
        await text(hass, client, GRANDMA, f"03 request {number}")
    freezer.tick(timedelta(minutes=30))
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    for number in range(10, 20):
        await text(hass, client, GRANDMA, f"03 request {number}")
    assert len(agent.inputs) == 20
    assert not any(event.data["error"] for event in events)

    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="custom_components.sms_get"):
        await text(hass, client, GRANDMA, "03 one more")
        await text(hass, client, GRANDMA, "03 and another")
    assert len(agent.inputs) == 20
    assert len(simulator.messages) == 20
    assert [event.data for event in events[-2:]] == [
        assist_event("one more", None, error="rate_limited"),
        assist_event("and another", None, error="rate_limited"),
    ]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Grandma" in warnings[0].getMessage()
    assert GRANDMA not in caplog.text

    # Refused requests do not count: once the first 10 are an hour old, 10 more.
    freezer.tick(timedelta(minutes=30))
    for number in range(10):
        await text(hass, client, GRANDMA, f"03 later {number}")
    assert len(agent.inputs) == 30
    await text(hass, client, GRANDMA, "03 too many again")
    assert len(agent.inputs) == 30
    assert events[-1].data["error"] == "rate_limited"


async def test_rate_limit_per_phone(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
    events: list[Event],
) -> None:
    """One phone over the limit does not hold back another."""
    for number in range(21):
        await text(hass, client, GRANDMA, f"03 request {number}")
    await text(hass, client, DAD, "03 not trusted")
    assert len(agent.inputs) == 20
    assert events[-1].data["error"] == "rate_limited"
    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": "subentry_dad"},
    )
    await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Dad", CONF_PHONE: DAD, CONF_ASSIST: True}
    )
    await hass.async_block_till_done()
    await text(hass, client, DAD, "03 hello")
    assert len(agent.inputs) == 21
    assert events[-1].data["error"] is None


@pytest.mark.parametrize(
    "error",
    [RuntimeError("boom"), HomeAssistantError("The agent's service is down")],
    ids=["raises", "home-assistant-error"],
)
async def test_agent_fails(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    agent: FakeAgent,
    events: list[Event],
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    """An agent that raises gets nothing texted, and the failure is logged."""
    agent.error = error
    await text(hass, client, GRANDMA, "03 turn on the porch light")

    assert not simulator.messages
    assert [event.data for event in events] == [
        assist_event("turn on the porch light", None, error="agent_failed")
    ]
    assert "conversation agent 01JTESTAGENTENTRY0000000000 failed" in caplog.text

    # The next request is answered again.
    agent.error = None
    await text(hass, client, GRANDMA, "03 hello")
    assert events[-1].data["error"] is None


async def test_agent_gone(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
    events: list[Event],
    issue_registry: ir.IssueRegistry,
) -> None:
    """A configured agent that no longer exists: agent_failed and a repair."""
    issue_id = f"assist_agent_missing_{ENTRY_ID}"
    conversation.async_unset_agent(
        hass,
        hass.config_entries.async_get_entry(AGENT_ENTRY_ID),  # type: ignore[arg-type]
    )
    await text(hass, client, GRANDMA, "03 turn on the porch light")

    assert not agent.inputs
    assert not simulator.messages
    assert [event.data for event in events] == [
        assist_event("turn on the porch light", None, error="agent_failed")
    ]
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "assist_agent_missing"
    assert issue.translation_placeholders == {
        "agent": AGENT_ENTRY_ID,
        "username": USERNAME,
    }
    assert issue.severity is ir.IssueSeverity.ERROR

    # The agent is back: the next answered request clears the repair.
    conversation.async_set_agent(
        hass,
        hass.config_entries.async_get_entry(AGENT_ENTRY_ID),  # type: ignore[arg-type]
        agent,
    )
    await text(hass, client, GRANDMA, "03 turn on the porch light")
    assert events[-1].data["error"] is None
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize(
    "error",
    [RuntimeError("boom"), HomeAssistantError("Shutting down")],
    ids=["raises", "home-assistant-error"],
)
async def test_agent_gone_while_answering(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    agent: FakeAgent,
    events: list[Event],
    issue_registry: ir.IssueRegistry,
    error: Exception,
) -> None:
    """An agent removed while it answers: agent_failed and the repair."""
    agent.unset_while_answering = True
    agent.error = error
    await text(hass, client, GRANDMA, "03 hello")

    assert not simulator.messages
    assert events[-1].data["error"] == "agent_failed"
    assert issue_registry.async_get_issue(DOMAIN, f"assist_agent_missing_{ENTRY_ID}")


async def test_agent_gone_option_changed(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    events: list[Event],
    issue_registry: ir.IssueRegistry,
) -> None:
    """Choosing another agent in the options clears the repair at once."""
    issue_id = f"assist_agent_missing_{ENTRY_ID}"
    hass.config_entries.async_update_entry(
        init_integration,
        options={
            **init_integration.options,
            CONF_CONVERSATION_AGENT: "conversation.gone",
        },
    )
    await hass.async_block_till_done()
    await text(hass, client, GRANDMA, "03 hello")
    assert events[-1].data["error"] == "agent_failed"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "agent": "conversation.gone",
        "username": USERNAME,
    }

    # Another change of options keeps it while the agent stays the same.
    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, CONF_LOW_CREDIT_THRESHOLD: 10},
    )
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, CONF_CONVERSATION_AGENT: AGENT_ENTRY_ID},
    )
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_removing_the_entry_removes_the_repair(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A removed account leaves no repair behind."""
    hass.config_entries.async_update_entry(
        init_integration,
        options={
            **init_integration.options,
            CONF_CONVERSATION_AGENT: "conversation.gone",
        },
    )
    await hass.async_block_till_done()
    await text(hass, client, GRANDMA, "03 hello")
    assert issue_registry.async_get_issue(DOMAIN, f"assist_agent_missing_{ENTRY_ID}")

    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert not issue_registry.async_get_issue(
        DOMAIN, f"assist_agent_missing_{ENTRY_ID}"
    )


async def test_sms_get_refuses_the_answer(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    agent: FakeAgent,
    events: list[Event],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SMS-Get refusing the answer: send_failed, and nothing is re-sent."""
    simulator.faults.append(Fault.code("009"))
    await text(hass, client, GRANDMA, "03 hello")

    assert not simulator.messages
    assert [event.data for event in events] == [
        assist_event("hello", None, error="send_failed")
    ]
    assert "the answer to Grandma was not sent" in caplog.text
    assert len(agent.inputs) == 1


@pytest.mark.parametrize(
    "limits",
    [{CONF_MAX_POINTS_PER_SEND: 1}, {CONF_DAILY_POINT_LIMIT: 1}],
    ids=["per-send", "daily"],
)
async def test_spending_limit_refuses_the_answer(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
    events: list[Event],
    limits: dict[str, int],
) -> None:
    """An answer over a spending limit is not sent: spending_limit."""
    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, **limits}
    )
    await hass.async_block_till_done()
    agent.answer = "The porch light is on. " * 10
    await text(hass, client, GRANDMA, "03 status")

    assert not simulator.messages
    assert [event.data for event in events] == [
        assist_event("status", None, error="spending_limit")
    ]
    # An answer that fits the limit still goes out.
    agent.answer = "On"
    await text(hass, client, GRANDMA, "03 status")
    assert events[-1].data == _answered(simulator, "status", "On")


async def test_two_accounts(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    agent: FakeAgent,
    entry_data: dict[str, Any],
    events: list[Event],
) -> None:
    """Each account answers from itself, with its own conversations and counts."""
    simulator.accounts["household2"] = Account(
        password=PASSWORD, points=500, two_way=True
    )
    other = _entry(
        {
            **entry_data,
            CONF_USERNAME: "household2",
            CONF_PASSWORD: PASSWORD,
            "webhook_id": "f" * 64,
        },
        entry_id="01JSMSGETSECONDENTRY0000000",
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()

    await text(hass, client, GRANDMA, "03 from the first")
    await text(hass, client, GRANDMA, "03 from the second", webhook_id="f" * 64)

    assert [message.username for message in simulator.messages] == [
        USERNAME,
        "household2",
    ]
    assert [event.data["config_entry_id"] for event in events] == [
        ENTRY_ID,
        "01JSMSGETSECONDENTRY0000000",
    ]
    # A conversation belongs to one account's phone.
    assert [user_input.conversation_id for user_input in agent.inputs] == [None, None]


async def test_default_agent(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    entry_data: dict[str, Any],
    hass_client_no_auth: Callable[[], Awaitable[Client]],
    external_url: str,
    events: list[Event],
) -> None:
    """Home Assistant's own agent switches an exposed entity and says so by SMS."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(
        hass,
        "input_boolean",
        {"input_boolean": {"porch_light": {"name": "Porch light"}}},
    )
    async_expose_entity(hass, conversation.DOMAIN, "input_boolean.porch_light", True)
    entry = _entry(entry_data, agent=DEFAULT_CONVERSATION_AGENT)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    client = await hass_client_no_auth()

    await text(hass, client, GRANDMA, "03 turn on the porch light")

    state = hass.states.get("input_boolean.porch_light")
    assert state is not None
    assert state.state == "on"
    answer = simulator.messages[-1].text
    assert answer == "Turned on the switch"
    assert [event.data for event in events] == [
        _answered(simulator, "turn on the porch light", answer)
    ]
    # The light was switched in the reply's context.
    assert state.context.id == events[0].context.id

    # What it does not understand is answered too.
    await text(hass, client, GRANDMA, "03 bake me a cake")
    assert events[-1].data["error"] is None
    assert events[-1].data["response"] == simulator.messages[-1].text
    assert len(simulator.messages) == 2
    assert simulator.messages[-1].text == "Sorry, I couldn't understand that"


@pytest.mark.parametrize(
    ("language", "error", "message"),
    [
        ("en", None, "asked Assist: turn on the porch light"),
        (
            "en",
            "rate_limited",
            "asked Assist: turn on the porch light (not answered: more than 20 "
            "requests within an hour)",
        ),
        ("zh-Hant", None, "問了 Assist：turn on the porch light"),  # noqa: RUF001
        # Translations not loaded: English, with the error's key.
        (
            "not-loaded",
            "agent_failed",
            "asked Assist: turn on the porch light (agent_failed)",
        ),
        (
            "zh-Hant",
            "send_failed",
            "問了 Assist：turn on the porch light（SMS-Get 未送出回覆）",  # noqa: RUF001
        ),
    ],
)
async def test_logbook(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    external_url: str,
    language: str,
    error: str | None,
    message: str,
) -> None:
    """The logbook reads "Grandma asked Assist: …", in Home Assistant's language."""
    hass.config.language = language
    if language != "not-loaded":
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    described: dict[str, Callable[[Event], dict[str, str]]] = {}

    def describe_event(
        domain: str, event_type: str, describe: Callable[[Event], dict[str, str]]
    ) -> None:
        assert domain == DOMAIN
        described[event_type] = describe

    logbook.async_describe_events(hass, describe_event)
    data = assist_event("turn on the porch light", None, error=error)
    assert described[EVENT](Event(EVENT, data)) == {
        "name": "Grandma",
        "message": message,
    }


async def test_without_the_conversation_integration(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
    events: list[Event],
    issue_registry: ir.IssueRegistry,
) -> None:
    """Without Home Assistant's conversation integration there is no agent at all."""
    client = await hass_client_no_auth()
    await text(hass, client, GRANDMA, "03 hello")

    assert "conversation" not in hass.config.components
    assert not simulator.messages
    assert events[-1].data["error"] == "agent_failed"
    assert issue_registry.async_get_issue(DOMAIN, f"assist_agent_missing_{ENTRY_ID}")


async def test_memory_stays_bounded(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    client: Client,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
) -> None:
    """What Assist remembers of a phone goes once its hour and conversation are over."""
    for number in range(25):
        await text(hass, client, GRANDMA, f"03 request {number}")
    state = hass.data[DATA_ASSIST]
    assert [len(phone.requests) for phone in state.phones.values()] == [20]

    freezer.tick(timedelta(minutes=61))
    await text(hass, client, DAD, "03 not for Assist")
    await text(hass, client, STRANGER, "03 nor this")
    assert [len(phone.requests) for phone in state.phones.values()] == [20]
    # The next request of anyone prunes what is over.
    hass.config_entries.async_update_subentry(
        init_integration,
        init_integration.subentries["subentry_dad"],
        data={CONF_NAME: "Dad", CONF_PHONE: DAD, CONF_ASSIST: True},
    )
    await hass.async_block_till_done()
    await text(hass, client, DAD, "03 hello")
    assert list(state.phones) == [(ENTRY_ID, DAD)]

    await hass.config_entries.async_remove(init_integration.entry_id)
    assert not state.phones


async def test_pending_ask_takes_the_reply(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    client: Client,
    agent: FakeAgent,
    events: list[Event],
) -> None:
    """A person answering a question is never talking to Assist."""
    asked = asyncio.Event()
    hass.bus.async_listen_once("sms_get_message_sent", callback(lambda _: asked.set()))
    ask = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "ask",
            {
                "message": "Is the door locked? Reply 03 yes or 03 no",
                "recipient": GRANDMA,
            },
            blocking=True,
            return_response=True,
        )
    )
    # The ask waits for the answer: wait for its question to be sent, not for it.
    await asked.wait()

    await text(hass, client, GRANDMA, "03 yes")
    response = await ask
    assert response is not None
    assert response["answered"] is True
    assert response["reply"] == "yes"
    assert not agent.inputs
    assert not events

    # With the ask answered, the next text goes to Assist again.
    await text(hass, client, GRANDMA, "03 lock the door")
    assert [user_input.text for user_input in agent.inputs] == ["lock the door"]
