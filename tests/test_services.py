"""The sms_get.send_message and sms_get.estimate actions, against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
import itertools
from typing import Any

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.sms_get.const import DOMAIN
from simulator import Account, Fault, RecordedRequest, Simulator

from .common import async_time_out
from .conftest import PASSWORD, USERNAME

CREDIT_SENSOR = "sensor.sms_get_hauser_credit"
SEND = "api_send.php"
SEND_TWOWAY = "api_send_twoway.php"
MESSAGE_IDS = path_type(
    {r"messages\.\d+\.message_id": (str,)}, regex=True, replacer=lambda data, _: "ID"
)


def sends(sim: Simulator) -> list[RecordedRequest]:
    """The send requests the simulator received (credit queries left out)."""
    return [r for r in sim.requests if r.endpoint in (SEND, SEND_TWOWAY)]


def taiwan_numbers(count: int) -> list[str]:
    """Distinct Taiwan mobile numbers in the provider's format."""
    return [f"09{index:08d}" for index in range(count)]


async def send(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call sms_get.send_message and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "send_message", data, blocking=True, return_response=True
    )
    assert response is not None
    return response


async def estimate(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call sms_get.estimate and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "estimate", data, blocking=True, return_response=True
    )
    assert response is not None
    return response


@pytest.mark.usefixtures("init_integration")
async def test_send_number_styles(
    hass: HomeAssistant, simulator: Simulator, snapshot: SnapshotAssertion
) -> None:
    """Every number style reaches the provider in its format, each number once."""
    events = async_capture_events(hass, "sms_get_message_sent")

    response = await send(
        hass,
        message="Front door opened",
        recipients=[
            "0912345678",
            "+886 912 345 679",
            "+886-912-345-680",
            "(+886) 912.345.681",
            "+886 (0)912 345 682",
            "+886912345678",  # 0912345678 again
            "0912-345-678",  # and again
            "+86 135 0000 1234",
            "+852 5432 1123",
            "+1 (415) 555-0123",
            "+81 90-1234-5678",
        ],
    )

    requests = sends(simulator)
    assert len(requests) == 1
    assert requests[0].endpoint == SEND
    assert requests[0].params["method"] == "1"
    assert requests[0].params["sms_msg"] == "Front door opened"
    assert requests[0].params["phone"].split(",") == [
        "0912345678",
        "0912345679",
        "0912345680",
        "0912345681",
        "0912345682",
        "13500001234",
        "54321123",
        "0014155550123",
        "819012345678",
    ]
    # Credentials travel in the body, never in the URL.
    assert requests[0].query == {}
    (message,) = simulator.messages
    assert response == snapshot(matcher=MESSAGE_IDS)
    assert response["messages"][0]["message_id"] == message.message_id
    # Taiwan 5 x 1, China 4, the others 3 x 2.
    assert response["points_used"] == message.points_used == 15
    assert response["credit_remaining"] == 985
    assert hass.states.get(CREDIT_SENSOR).state == "985"

    assert len(events) == 1
    assert events[0].data == {
        "config_entry_id": "01JSMSGETENTRY0000000000000",
        "message_id": message.message_id,
        "recipients": message.phones,
        "points_used": 15,
        "credit_remaining": 985,
        "scheduled_for": None,
        "two_way": False,
    }


@pytest.mark.usefixtures("init_integration")
async def test_send_one_number_as_text(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A single number may be given as text instead of a list."""
    response = await send(hass, message="Hi", recipients="+886 912 345 678")

    assert [r.params["phone"] for r in sends(simulator)] == ["0912345678"]
    assert response["recipients"] == 1
    assert response["messages"][0]["recipients"] == ["0912345678"]


@pytest.mark.usefixtures("init_integration")
async def test_send_without_response(hass: HomeAssistant, simulator: Simulator) -> None:
    """An automation that does not ask for the response still sends."""
    assert (
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {"message": "Garage left open", "recipients": ["0912345678"]},
            blocking=True,
        )
        is None
    )
    assert [message.text for message in simulator.messages] == ["Garage left open"]


@pytest.mark.usefixtures("init_integration")
async def test_send_in_batches(hass: HomeAssistant, simulator: Simulator) -> None:
    """600 recipients go out as 250 + 250 + 100, in order, one request at a time."""
    events = async_capture_events(hass, "sms_get_message_sent")
    numbers = taiwan_numbers(600)

    response = await send(
        hass, message="Water leak in the basement", recipients=numbers
    )

    requests = sends(simulator)
    batches = [r.params["phone"].split(",") for r in requests]
    assert [len(batch) for batch in batches] == [250, 250, 100]
    assert [phone for batch in batches for phone in batch] == numbers
    for before, after in itertools.pairwise(requests):
        assert before.finished is not None
        assert after.started >= before.finished
    message_ids = [message.message_id for message in simulator.messages]
    assert response == {
        "messages": [
            {"message_id": message_id, "points_used": len(batch), "recipients": batch}
            for message_id, batch in zip(message_ids, batches, strict=True)
        ],
        "points_used": 600,
        "credit_remaining": 400,
        "recipients": 600,
    }
    assert [event.data["message_id"] for event in events] == message_ids
    assert [event.data["recipients"] for event in events] == batches
    assert [event.data["credit_remaining"] for event in events] == [750, 500, 400]
    assert hass.states.get(CREDIT_SENSOR).state == "400"


@pytest.mark.parametrize(
    ("schedule", "scheduled_for"),
    [
        pytest.param("2026-12-31 22:30:00", "2026-12-31T22:30:00+01:00", id="naive"),
        pytest.param(
            "2026-12-31T22:30:00+01:00", "2026-12-31T22:30:00+01:00", id="amsterdam"
        ),
        pytest.param("2026-12-31T21:30:00Z", "2026-12-31T21:30:00+00:00", id="utc"),
        pytest.param(
            "2027-01-01T05:30:00+08:00", "2027-01-01T05:30:00+08:00", id="taipei"
        ),
        pytest.param(
            "2026-12-31T16:30:00-05:00", "2026-12-31T16:30:00-05:00", id="new_york"
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_send_scheduled(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    schedule: str,
    scheduled_for: str,
) -> None:
    """A schedule reaches the provider as GMT+8 date, hour and minute."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    freezer.move_to("2026-12-31T12:00:00+00:00")
    events = async_capture_events(hass, "sms_get_message_sent")

    await send(
        hass, message="Happy new year", recipients=["0912345678"], schedule=schedule
    )

    (request,) = sends(simulator)
    assert request.params["method"] == "2"
    assert request.params["send_date"] == "2027/01/01"
    assert request.params["hour"] == "05"
    assert request.params["min"] == "30"
    assert simulator.messages[0].scheduled_for == datetime(
        2026, 12, 31, 21, 30, tzinfo=UTC
    )
    assert events[0].data["scheduled_for"] == scheduled_for
    assert dt_util.parse_datetime(scheduled_for) == datetime(
        2026, 12, 31, 21, 30, tzinfo=UTC
    )


@pytest.mark.usefixtures("init_integration")
async def test_send_two_way(hass: HomeAssistant, simulator: Simulator) -> None:
    """Two-way uses its own endpoint and costs 1 point a segment."""
    events = async_capture_events(hass, "sms_get_message_sent")

    response = await send(
        hass,
        message="Reply 03 YES to confirm",
        recipients=["0912345678", "+886 912 345 679"],
        two_way=True,
    )

    (request,) = sends(simulator)
    assert request.endpoint == SEND_TWOWAY
    assert request.params["phone"] == "0912345678,0912345679"
    assert response["points_used"] == 2
    assert simulator.messages[0].two_way is True
    assert events[0].data["two_way"] is True


async def _assert_recovers(hass: HomeAssistant, simulator: Simulator) -> None:
    """A good call after an error goes out as usual."""
    before = len(sends(simulator))
    response = await send(hass, message="Back to normal", recipients=["0912345678"])
    assert len(sends(simulator)) == before + 1
    assert response["messages"][0]["message_id"] == simulator.messages[-1].message_id


@pytest.mark.parametrize(
    ("data", "translation_key", "placeholders"),
    [
        pytest.param(
            {"message": "", "recipients": ["0912345678"]},
            "empty_message",
            None,
            id="empty_message",
        ),
        pytest.param(
            {"message": " \n\t ", "recipients": ["0912345678"]},
            "empty_message",
            None,
            id="whitespace_message",
        ),
        pytest.param(
            {"message": "Hi", "recipients": []},
            "no_recipients",
            None,
            id="no_recipients",
        ),
        pytest.param(
            {"message": "Hi", "recipients": ["0912345678", "12345"]},
            "invalid_phone_number",
            {"number": "12345"},
            id="invalid_number",
        ),
        pytest.param(
            {"message": "Hi", "recipients": ["+49 151 23456789"]},
            "invalid_phone_number",
            {"number": "+49 151 23456789"},
            id="unsupported_country",
        ),
        pytest.param(
            {"message": "Dinner is ready 🍜", "recipients": ["0912345678"]},
            "unsupported_characters",
            {"characters": "🍜 (U+1F35C)"},
            id="emoji",
        ),
        pytest.param(
            {
                "message": "Reply 03 YES",
                "recipients": ["0912345678", "+81 90-1234-5678"],
                "two_way": True,
            },
            "two_way_taiwan_only",
            {"number": "+81 90-1234-5678"},
            id="two_way_outside_taiwan",
        ),
        pytest.param(
            {
                "message": "Too late",
                "recipients": ["0912345678"],
                "schedule": "2020-01-01 08:00:00",
            },
            "schedule_in_past",
            None,
            id="schedule_in_past",
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_send_validation_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    data: dict[str, Any],
    translation_key: str,
    placeholders: dict[str, str] | None,
) -> None:
    """Bad input is refused with a translated error before any request."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await send(hass, **data)

    assert exc_info.value.translation_domain == DOMAIN
    assert exc_info.value.translation_key == translation_key
    if placeholders is not None:
        assert exc_info.value.translation_placeholders == placeholders
        # The translated message names the culprit.
        assert next(iter(placeholders.values())) in str(exc_info.value)
    assert sends(simulator) == []
    await _assert_recovers(hass, simulator)


async def test_schedule_in_past_is_named(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A minute ago is in the past; the error shows the time in the user's zone."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    freezer.move_to("2026-12-31T12:00:00+00:00")

    with pytest.raises(ServiceValidationError) as exc_info:
        await send(
            hass,
            message="Too late",
            recipients=["0912345678"],
            schedule="2026-12-31 12:59:00",
        )

    assert exc_info.value.translation_key == "schedule_in_past"
    assert exc_info.value.translation_placeholders == {
        "schedule": "2026-12-31 12:59 (Europe/Amsterdam)"
    }
    assert sends(simulator) == []


@pytest.mark.parametrize(
    ("code", "translation_key", "advice"),
    [
        ("001", "provider_error", "Check the message and the numbers"),
        ("002", "schedule_rejected", "Choose a time in the future"),
        ("003", "schedule_rejected", "Choose a time in the future"),
        ("004", "message_too_long", "Shorten it"),
        ("005", "send_invalid_auth", "reauthentication"),
        ("006", "send_ip_not_allowed", "allowlist"),
        ("007", "provider_error", "Check the message and the numbers"),
        ("008", "provider_error", "Check the message and the numbers"),
        ("009", "insufficient_credit", "Top up"),
        ("010", "two_way_not_enabled", "Apply for it"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_send_provider_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    code: str,
    translation_key: str,
    advice: str,
) -> None:
    """Every provider refusal is a translated error carrying the provider's code."""
    events = async_capture_events(hass, "sms_get_message_sent")
    simulator.faults.append(Fault.code(code))

    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, message="Hi", recipients=["0912345678"], two_way=code == "010")

    assert not isinstance(exc_info.value, ServiceValidationError)
    assert exc_info.value.translation_domain == DOMAIN
    assert exc_info.value.translation_key == translation_key
    assert exc_info.value.translation_placeholders["code"] == code
    assert f"code {code}" in str(exc_info.value)
    assert advice in str(exc_info.value)
    assert len(sends(simulator)) == 1
    assert events == []
    assert hass.states.get(CREDIT_SENSOR).state == "1000"
    await _assert_recovers(hass, simulator)
    assert len(events) == 1


async def test_send_invalid_auth_starts_reauth(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """005 on a send starts the reauthentication flow at once."""
    simulator.accounts[USERNAME].password = "changed-on-the-website"

    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, message="Hi", recipients=["0912345678"])
    await hass.async_block_till_done()

    assert exc_info.value.translation_key == "send_invalid_auth"
    flows = hass.config_entries.flow.async_progress()
    assert len(flows) == 1
    assert flows[0]["handler"] == DOMAIN
    assert flows[0]["context"]["source"] == SOURCE_REAUTH
    assert flows[0]["context"]["entry_id"] == init_integration.entry_id
    assert simulator.messages == []


async def test_send_ip_not_allowed_raises_repair(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """006 on a send raises the ip_not_allowed repair; a later success clears it."""
    issue_id = f"ip_not_allowed_{init_integration.entry_id}"
    simulator.accounts[USERNAME].allowed_ips = {"192.0.2.1"}

    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, message="Hi", recipients=["0912345678"])

    assert exc_info.value.translation_key == "send_ip_not_allowed"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "ip_not_allowed"
    assert issue.translation_placeholders == {"username": USERNAME}

    simulator.accounts[USERNAME].allowed_ips = None
    await _assert_recovers(hass, simulator)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize(
    ("fault", "translation_key", "wording"),
    [
        (Fault.html(), "unexpected_answer", "nothing was re-sent"),
        (Fault.empty(), "unexpected_answer", "nothing was re-sent"),
        (Fault.status(502), "unexpected_answer", "nothing was re-sent"),
        (Fault.json({"stats": "maybe"}), "unexpected_answer", "nothing was re-sent"),
        (Fault.drop(), "outcome_unknown", "may or may not have gone out"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_send_bad_answers(
    hass: HomeAssistant,
    simulator: Simulator,
    fault: Fault,
    translation_key: str,
    wording: str,
) -> None:
    """An answer that is not the provider's JSON is an error; nothing is re-sent."""
    simulator.faults.append(fault)

    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, message="Hi", recipients=["0912345678"])

    assert exc_info.value.translation_key == translation_key
    assert wording in str(exc_info.value)
    assert len(sends(simulator)) == 1
    await _assert_recovers(hass, simulator)


async def test_send_cannot_connect(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    external_url: str,
    aiohttp_server: Callable[..., Coroutine[Any, Any, TestServer]],
) -> None:
    """A provider that cannot be reached: nothing was sent, and the error says so."""
    provider = Simulator(accounts={USERNAME: Account(password=PASSWORD, points=10)})
    server = await aiohttp_server(provider.app)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=USERNAME,
        data={**mock_config_entry.data, "api_url": str(server.make_url(""))},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await server.close()
    # Let the client see the kept-alive connection of the credit query close.
    await asyncio.sleep(0.01)

    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, message="Hi", recipients=["0912345678"])

    assert exc_info.value.translation_key == "cannot_connect"
    assert "Nothing was sent" in str(exc_info.value)
    assert [request.endpoint for request in provider.requests] == [
        "api_query_credit.php"
    ]
    assert entry.state is ConfigEntryState.LOADED


async def test_send_timeout_outcome_unknown(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    external_url: str,
) -> None:
    """A send without an answer is not re-sent; the error says the outcome is unknown."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    events = async_capture_events(hass, "sms_get_message_sent")

    with pytest.raises(HomeAssistantError) as exc_info:
        await async_time_out(
            hass, simulator, send(hass, message="Hi", recipients=["0912345678"])
        )

    assert exc_info.value.translation_key == "outcome_unknown"
    message = str(exc_info.value)
    assert "may or may not have gone out" in message
    assert "Nothing was re-sent" in message
    assert len(sends(simulator)) == 1
    assert events == []
    await _assert_recovers(hass, simulator)


@pytest.mark.parametrize(
    ("points", "faults", "code"),
    [
        # 260 points: the first 250 go out, the next 50 find 10 points left.
        pytest.param(260, [], "009", id="credit_runs_out"),
        pytest.param(
            1000, [Fault.delay(0), Fault.code("004")], "004", id="second_refused"
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_send_partial_failure(
    hass: HomeAssistant,
    simulator: Simulator,
    points: int,
    faults: list[Fault],
    code: str,
) -> None:
    """A later batch refused: the error names what went out and what did not."""
    simulator.accounts[USERNAME].points = points
    simulator.faults.extend(faults)
    events = async_capture_events(hass, "sms_get_message_sent")

    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, message="Storm warning", recipients=taiwan_numbers(300))

    (accepted,) = simulator.messages
    assert len(sends(simulator)) == 2
    assert exc_info.value.translation_key == "partial_send"
    placeholders = exc_info.value.translation_placeholders
    assert placeholders["message_ids"] == accepted.message_id
    assert placeholders["sent"] == "250"
    assert placeholders["not_sent"] == "50"
    assert code in placeholders["error"]
    message = str(exc_info.value)
    assert accepted.message_id in message
    assert "not sent to the other 50 recipients" in message
    assert [event.data["message_id"] for event in events] == [accepted.message_id]
    assert hass.states.get(CREDIT_SENSOR).state == str(points - 250)


@pytest.mark.usefixtures("init_integration")
async def test_send_partial_outcome_unknown(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A later batch without an answer may have gone out: the error does not say 'not sent'."""
    simulator.faults.extend([Fault.delay(0), Fault.drop()])

    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, message="Storm warning", recipients=taiwan_numbers(600))

    (accepted,) = simulator.messages
    assert len(sends(simulator)) == 2
    assert exc_info.value.translation_key == "partial_send_outcome_unknown"
    assert exc_info.value.translation_placeholders == {
        "sent": "250",
        "message_ids": accepted.message_id,
        "unknown": "250",
        "not_sent": "100",
        "error": exc_info.value.translation_placeholders["error"],
    }
    message = str(exc_info.value)
    assert accepted.message_id in message
    assert "100 recipients were not sent" in message
    assert "nothing was re-sent" in message


def taiwan(points: int, phone: str = "0912345678") -> dict[str, Any]:
    """One Taiwan recipient of an estimate."""
    return {"phone": phone, "country": "TW", "points": points}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            {"message": "a" * 160, "recipients": ["0912345678"]},
            {
                "encoding": "ascii",
                "segments": 1,
                "points": 1,
                "recipients": [taiwan(1)],
            },
            id="ascii_160",
        ),
        pytest.param(
            {"message": "a" * 161, "recipients": ["0912345678"]},
            {
                "encoding": "ascii",
                "segments": 2,
                "points": 2,
                "recipients": [taiwan(2)],
            },
            id="ascii_161",
        ),
        pytest.param(
            {"message": "a" * 307, "recipients": ["0912345678"]},
            {
                "encoding": "ascii",
                "segments": 3,
                "points": 3,
                "recipients": [taiwan(3)],
            },
            id="ascii_307",
        ),
        pytest.param(
            {"message": "門" * 70, "recipients": ["0912345678"]},
            {
                "encoding": "unicode",
                "segments": 1,
                "points": 1,
                "recipients": [taiwan(1)],
            },
            id="chinese_70",
        ),
        pytest.param(
            {"message": "門" * 71, "recipients": ["0912345678"]},
            {
                "encoding": "unicode",
                "segments": 2,
                "points": 2,
                "recipients": [taiwan(2)],
            },
            id="chinese_71",
        ),
        pytest.param(
            {"message": "a" * 159 + "é", "recipients": ["0912345678"]},
            {
                "encoding": "unicode",
                "segments": 3,
                "points": 3,
                "recipients": [taiwan(3)],
            },
            id="one_accent_makes_unicode",
        ),
        pytest.param(
            {
                "message": "a" * 161,
                "recipients": [
                    "+886 912 345 678",
                    "+86 135 0000 1234",
                    "+852 5432 1123",
                    "+1 415 555 0123",
                    "+81 90 1234 5678",
                    "0912345678",
                ],
            },
            {
                "encoding": "ascii",
                "segments": 2,
                "points": 2 + 8 + 4 + 4 + 4,
                "recipients": [
                    taiwan(2),
                    {"phone": "13500001234", "country": "CN", "points": 8},
                    {"phone": "54321123", "country": "HK", "points": 4},
                    {"phone": "0014155550123", "country": "US", "points": 4},
                    {"phone": "819012345678", "country": "JP", "points": 4},
                ],
            },
            id="mixed_countries",
        ),
        pytest.param(
            {
                "message": "門" * 71,
                "recipients": ["0912345678", "0912345679"],
                "two_way": True,
            },
            {
                "encoding": "unicode",
                "segments": 2,
                "points": 4,
                "recipients": [taiwan(2), taiwan(2, "0912345679")],
            },
            id="two_way",
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_estimate(
    hass: HomeAssistant,
    simulator: Simulator,
    data: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    """The estimate follows the document's segment and point rules; nothing is sent."""
    requests = len(simulator.requests)

    assert await estimate(hass, **data) == expected
    assert len(simulator.requests) == requests


@pytest.mark.usefixtures("init_integration")
async def test_estimate_validation(hass: HomeAssistant, simulator: Simulator) -> None:
    """The estimate refuses what a send would refuse, and sends nothing."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await estimate(
            hass, message="Hi", recipients=["+86 135 0000 1234"], two_way=True
        )

    assert exc_info.value.translation_key == "two_way_taiwan_only"
    assert sends(simulator) == []


@pytest.fixture
async def second_entry(
    hass: HomeAssistant, simulator: Simulator, entry_data: dict[str, Any]
) -> MockConfigEntry:
    """A second account, other, added (not set up) beside hauser."""
    simulator.accounts["other"] = Account(password="other-pass", points=500)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="other",
        unique_id="other",
        data={
            **entry_data,
            CONF_USERNAME: "other",
            CONF_PASSWORD: "other-pass",
            CONF_WEBHOOK_ID: "f" * 64,
        },
    )
    entry.add_to_hass(hass)
    return entry


async def test_several_accounts(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    second_entry: MockConfigEntry,
    external_url: str,
) -> None:
    """With two accounts the action needs config_entry_id, and uses the one named."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert second_entry.state is ConfigEntryState.LOADED

    with pytest.raises(ServiceValidationError) as exc_info:
        await send(hass, message="Hi", recipients=["0912345678"])
    assert exc_info.value.translation_key == "entry_required"
    assert sends(simulator) == []

    events = async_capture_events(hass, "sms_get_message_sent")
    response = await send(
        hass,
        message="Hi",
        recipients=["0912345678"],
        config_entry_id=second_entry.entry_id,
    )
    (message,) = simulator.messages
    assert message.username == "other"
    assert response["credit_remaining"] == 499
    assert events[0].data["config_entry_id"] == second_entry.entry_id
    assert hass.states.get("sensor.sms_get_other_credit").state == "499"
    assert hass.states.get(CREDIT_SENSOR).state == "1000"


async def test_unknown_entry(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """An entry ID that is not an SMS-Get account is refused."""
    other_domain = MockConfigEntry(domain="ntfy", entry_id="not_sms_get")
    other_domain.add_to_hass(hass)
    for entry_id in ("does_not_exist", "not_sms_get"):
        with pytest.raises(ServiceValidationError) as exc_info:
            await send(
                hass, message="Hi", recipients=["0912345678"], config_entry_id=entry_id
            )
        assert exc_info.value.translation_key == "entry_not_found"
        assert exc_info.value.translation_placeholders == {"entry_id": entry_id}
    assert sends(simulator) == []


async def test_unloaded_entry(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """An account that is not loaded cannot send, by ID or as the only one."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    with pytest.raises(ServiceValidationError) as exc_info:
        await send(
            hass,
            message="Hi",
            recipients=["0912345678"],
            config_entry_id=init_integration.entry_id,
        )
    assert exc_info.value.translation_key == "entry_not_loaded"
    assert exc_info.value.translation_placeholders == {"title": USERNAME}

    with pytest.raises(ServiceValidationError) as exc_info:
        await send(hass, message="Hi", recipients=["0912345678"])
    assert exc_info.value.translation_key == "no_loaded_entry"
    assert sends(simulator) == []

    # The estimate needs no account.
    assert (await estimate(hass, message="Hi", recipients=["0912345678"]))[
        "points"
    ] == 1


async def test_send_while_busy_is_serialised(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Two actions at once still reach the provider one request at a time."""
    simulator.faults.append(Fault.delay(0.05))

    await asyncio.gather(
        send(hass, message="First", recipients=["0912345678"]),
        send(hass, message="Second", recipients=["0912345679"]),
    )

    first, second = sends(simulator)
    assert first.finished is not None
    assert second.started >= first.finished
    assert sorted(m.text for m in simulator.messages) == ["First", "Second"]
