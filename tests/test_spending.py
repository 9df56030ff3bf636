"""Spending limits and usage of SMS-Get: refusals, reservations, the day, the Store."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryDataWithId
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sms_get.const import (
    CONF_DAILY_POINT_LIMIT,
    CONF_MAX_POINTS_PER_SEND,
    DOMAIN,
)
from custom_components.sms_get.spending import SAVE_DELAY, SpendingLimitError
from simulator import Fault, RecordedRequest, Simulator

from .conftest import USERNAME

ENTRY_ID = "01JSMSGETENTRY0000000000000"
ISSUE_ID = f"daily_limit_reached_{ENTRY_ID}"
STORAGE_KEY = f"sms_get.spending.{ENTRY_ID}"
POINTS_USED = "sensor.sms_get_hauser_points_used"
POINTS_TODAY = "sensor.sms_get_hauser_points_used_today"
MESSAGES_SENT = "sensor.sms_get_hauser_messages_sent"
MOM = "0912345678"
CHINA = "13500001234"
# Two ASCII segments: 2 points to Taiwan.
LONG = "x" * 200
# 10:00 on 1 December in Taipei, Home Assistant's time zone in these tests.
MORNING = "2026-12-01T10:00:00+08:00"
TODAY = "2026-12-01"


def sends(sim: Simulator) -> list[RecordedRequest]:
    """The send requests the simulator received (credit queries left out)."""
    return [r for r in sim.requests if r.endpoint.startswith("api_send")]


@pytest.fixture(autouse=True)
async def taipei(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Home Assistant in Taipei (midnight is 16:00 UTC), on a December morning."""
    await hass.config.async_set_time_zone("Asia/Taipei")
    freezer.move_to(MORNING)


@pytest.fixture
def options() -> dict[str, Any]:
    """The entry's options; tests set the limits by parametrizing this."""
    return {}


@pytest.fixture
def mock_config_entry(
    entry_data: dict[str, Any], options: dict[str, Any]
) -> MockConfigEntry:
    """The account hauser with the recipient Mom."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=USERNAME,
        unique_id=USERNAME,
        data=entry_data,
        options=options,
        entry_id=ENTRY_ID,
        subentries_data=[
            ConfigSubentryDataWithId(
                data={CONF_NAME: "Mom", "phone": MOM},
                subentry_id="01JSUBENTRYMOM000000000000",
                subentry_type="recipient",
                title="Mom",
                unique_id=MOM,
            )
        ],
    )


def limits(daily: int = 0, per_send: int = 0) -> dict[str, int]:
    """Options with these limits."""
    return {CONF_DAILY_POINT_LIMIT: daily, CONF_MAX_POINTS_PER_SEND: per_send}


async def send(
    hass: HomeAssistant, message: str = "Hi", *recipients: str, **data: Any
) -> dict[str, Any]:
    """Call sms_get.send_message (to Mom unless told)."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"message": message, "recipients": list(recipients or [MOM]), **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return response


async def send_by(hass: HomeAssistant, path: str, message: str) -> None:
    """Text Mom through one of the send paths."""
    if path == "send_message":
        await send(hass, message)
    elif path == "notify_legacy":
        await hass.services.async_call(
            NOTIFY_DOMAIN, DOMAIN, {"message": message, "target": [MOM]}, blocking=True
        )
    else:
        await hass.services.async_call(
            NOTIFY_DOMAIN,
            "send_message",
            {"entity_id": "notify.mom", "message": message},
            blocking=True,
        )


def state(hass: HomeAssistant, entity_id: str) -> str:
    """The state of an entity that must exist."""
    current = hass.states.get(entity_id)
    assert current is not None
    return current.state


def usage(hass: HomeAssistant) -> tuple[str, str, str]:
    """Points used, points used today, messages sent."""
    return (
        state(hass, POINTS_USED),
        state(hass, POINTS_TODAY),
        state(hass, MESSAGES_SENT),
    )


async def flush(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the delayed save of the Store happen."""
    freezer.tick(timedelta(seconds=SAVE_DELAY + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def midnight(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Move to midnight of 2 December in Taipei."""
    freezer.move_to("2026-12-02T00:00:00+08:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


PATHS = ["send_message", "notify_legacy", "notify_entity"]


@pytest.mark.parametrize("options", [limits(per_send=1)])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.usefixtures("init_integration")
async def test_send_limit_on_every_path(
    hass: HomeAssistant,
    simulator: Simulator,
    issue_registry: ir.IssueRegistry,
    path: str,
) -> None:
    """A send over the per-send limit is refused before any request, on every path."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await send_by(hass, path, LONG)

    assert exc_info.value.translation_domain == DOMAIN
    assert exc_info.value.translation_key == "over_send_limit"
    assert exc_info.value.translation_placeholders == {
        "limit": "1",
        "used": "0",
        "estimate": "2",
    }
    assert str(exc_info.value) == (
        "This send would cost about 2 points, more than the limit of 1 points per"
        " send. Nothing was sent (today's use: 0 points). Send a shorter message or"
        " to fewer recipients, or raise the maximum points per send in the SMS-Get"
        " options"
    )
    assert not sends(simulator)
    # The per-send limit raises no repair: waiting does not help.
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None

    await send_by(hass, path, "Hi")
    assert len(sends(simulator)) == 1
    assert usage(hass) == ("1", "1", "1")


@pytest.mark.parametrize("options", [limits(daily=3)])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.usefixtures("init_integration")
async def test_daily_limit_on_every_path(
    hass: HomeAssistant,
    simulator: Simulator,
    issue_registry: ir.IssueRegistry,
    path: str,
) -> None:
    """A send that would bring today over the daily limit is refused, on every path."""
    await send_by(hass, path, LONG)
    assert usage(hass) == ("2", "2", "1")

    with pytest.raises(ServiceValidationError) as exc_info:
        await send_by(hass, path, LONG)

    # Ask and Assist tell a refusal by a limit from other errors by its class.
    assert isinstance(exc_info.value, SpendingLimitError)
    assert exc_info.value.translation_key == "over_daily_limit"
    assert exc_info.value.translation_placeholders == {
        "limit": "3",
        "used": "2",
        "estimate": "2",
    }
    assert str(exc_info.value) == (
        "This send would cost about 2 points and bring today's use of 2 points over"
        " the daily limit of 3 points. Nothing was sent. Wait until tomorrow (the"
        " count starts again at midnight), or raise the daily point limit in the"
        " SMS-Get options"
    )
    assert len(sends(simulator)) == 1
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.translation_key == "daily_limit_reached"
    assert issue.translation_placeholders == {
        "username": USERNAME,
        "limit": "3",
        "used": "2",
        "estimate": "2",
    }
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable

    # What still fits goes out.
    await send_by(hass, path, "Hi")
    assert len(sends(simulator)) == 2
    assert usage(hass) == ("3", "3", "2")


@pytest.mark.parametrize("options", [limits(daily=255)])
@pytest.mark.usefixtures("init_integration")
async def test_batches_refused_whole(hass: HomeAssistant, simulator: Simulator) -> None:
    """260 recipients are two batches; over the limit together, neither goes."""
    recipients = [f"0912{number:06d}" for number in range(260)]

    with pytest.raises(ServiceValidationError) as exc_info:
        await send(hass, "Hi", *recipients)

    assert exc_info.value.translation_placeholders == {
        "limit": "255",
        "used": "0",
        "estimate": "260",
    }
    assert not sends(simulator)
    assert usage(hass) == ("0", "0", "0")

    # The first batch alone fits.
    response = await send(hass, "Hi", *recipients[:250])
    assert response["points_used"] == 250
    assert usage(hass) == ("250", "250", "250")


@pytest.mark.parametrize("options", [limits(per_send=259)])
@pytest.mark.usefixtures("init_integration")
async def test_per_send_limit_counts_every_batch(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """The per-send limit is on the whole send, not on each batch of 250."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await send(hass, "Hi", *(f"0912{number:06d}" for number in range(260)))

    assert exc_info.value.translation_key == "over_send_limit"
    assert exc_info.value.translation_placeholders == {
        "limit": "259",
        "used": "0",
        "estimate": "260",
    }
    assert not sends(simulator)


@pytest.mark.parametrize("options", [limits(daily=3)])
@pytest.mark.usefixtures("init_integration")
async def test_concurrent_sends_at_the_limit(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Sends started together reserve their points: only those that fit go out."""
    results = await asyncio.gather(
        *(send(hass, f"Message {number}") for number in range(5)),
        return_exceptions=True,
    )

    refused = [
        result for result in results if isinstance(result, ServiceValidationError)
    ]
    assert len(refused) == 2
    assert {error.translation_key for error in refused} == {"over_daily_limit"}
    assert {error.translation_placeholders["used"] for error in refused} == {"3"}
    assert len(sends(simulator)) == 3
    assert len(simulator.messages) == 3
    assert usage(hass) == ("3", "3", "3")


@pytest.mark.parametrize("options", [limits(daily=3)])
@pytest.mark.usefixtures("init_integration")
async def test_outcome_unknown_stays_counted(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A send that may have gone out keeps counting against the limit."""
    simulator.faults.append(Fault.drop())
    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, LONG)
    assert exc_info.value.translation_key == "outcome_unknown"
    # The sensors count only what SMS-Get reported.
    assert usage(hass) == ("0", "0", "0")

    with pytest.raises(ServiceValidationError) as exc_info:
        await send(hass, LONG)
    assert exc_info.value.translation_placeholders == {
        "limit": "3",
        "used": "2",
        "estimate": "2",
    }
    await send(hass, "Hi")
    assert usage(hass) == ("1", "1", "1")


@pytest.mark.parametrize("options", [limits(daily=3)])
@pytest.mark.usefixtures("init_integration")
async def test_refused_by_sms_get_is_released(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A send SMS-Get refused cost nothing: its reservation is given back."""
    simulator.faults.append(Fault.code("009"))
    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, LONG)
    assert exc_info.value.translation_key == "insufficient_credit"

    await send(hass, LONG)
    await send(hass, "Hi")
    assert usage(hass) == ("3", "3", "2")


@pytest.mark.parametrize("options", [limits(daily=300)])
@pytest.mark.usefixtures("init_integration")
async def test_partial_send_counts_the_accepted_batch(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """The first batch counts, the refused second one is given back."""
    simulator.faults.extend([Fault.delay(0), Fault.code("009")])
    with pytest.raises(HomeAssistantError) as exc_info:
        await send(hass, "Hi", *(f"0912{number:06d}" for number in range(260)))
    assert exc_info.value.translation_key == "partial_send"
    assert usage(hass) == ("250", "250", "250")

    with pytest.raises(ServiceValidationError) as exc_info:
        await send(hass, "Hi", *(f"0913{number:06d}" for number in range(51)))
    assert exc_info.value.translation_placeholders["used"] == "250"


@pytest.mark.parametrize("options", [limits(daily=4)])
async def test_midnight_rollover(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """At midnight in Home Assistant's time zone today starts again from 0."""
    freezer.move_to("2026-12-01T23:59:00+08:00")
    await send(hass, LONG, MOM, "0912000111")
    with pytest.raises(ServiceValidationError):
        await send(hass, "Hi")
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is not None

    # 16:00 UTC: the day changes in Taipei, not in UTC.
    await midnight(hass, freezer)

    assert usage(hass) == ("4", "0", "2")
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None
    await send(hass, LONG, MOM, "0912000111")
    assert usage(hass) == ("8", "4", "4")


@pytest.mark.parametrize("options", [limits(daily=1)])
async def test_new_day_without_the_timer(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """A send after midnight starts the day even before the midnight timer fires."""
    await send(hass)
    freezer.move_to("2026-12-02T00:00:01+08:00")
    assert state(hass, POINTS_TODAY) == "1"

    await send(hass)

    assert usage(hass) == ("2", "1", "2")


async def test_scheduled_send_counts_when_accepted(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """A send scheduled for tomorrow counts today, when SMS-Get accepts it."""
    await send(hass, LONG, schedule="2026-12-02T09:00:00+08:00")
    assert simulator.messages[0].scheduled_for is not None
    assert usage(hass) == ("2", "2", "1")

    await midnight(hass, freezer)
    freezer.move_to("2026-12-02T09:00:00+08:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert usage(hass) == ("2", "0", "1")


@pytest.mark.parametrize("options", [limits(daily=6)])
async def test_today_survives_a_reload_and_is_stored(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Counts are saved with a delay (not once per message) and kept by a reload."""
    await send(hass, "Hi", MOM, CHINA)
    await send(hass, "Hi")
    assert STORAGE_KEY not in hass_storage

    await flush(hass, freezer)
    assert hass_storage[STORAGE_KEY]["data"] == {
        "day": TODAY,
        "points_used_today": 6,
        "unknown_today": 0,
        "points_used": 6,
        "messages_sent": 3,
    }

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert usage(hass) == ("6", "6", "3")
    with pytest.raises(ServiceValidationError) as exc_info:
        await send(hass, LONG)
    assert exc_info.value.translation_placeholders["used"] == "6"


def _stored(day: str, today: int, unknown: int = 0) -> dict[str, Any]:
    return {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {
            "day": day,
            "points_used_today": today,
            "unknown_today": unknown,
            "points_used": 120,
            "messages_sent": 80,
        },
    }


@pytest.mark.parametrize("options", [limits(daily=10)])
@pytest.mark.usefixtures("external_url")
async def test_restart_keeps_today(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A new run reads today's use from the Store and counts on from it."""
    hass_storage[STORAGE_KEY] = _stored(TODAY, today=8, unknown=1)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert usage(hass) == ("120", "8", "80")
    with pytest.raises(ServiceValidationError) as exc_info:
        await send(hass, LONG)
    assert exc_info.value.translation_placeholders["used"] == "9"
    assert not sends(simulator)

    await send(hass, "Hi")
    assert usage(hass) == ("121", "9", "81")


@pytest.mark.parametrize("options", [limits(daily=10)])
@pytest.mark.usefixtures("external_url")
async def test_restart_on_a_new_day(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Yesterday's use is not today's; the totals carry on."""
    hass_storage[STORAGE_KEY] = _stored("2026-11-30", today=10, unknown=3)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert usage(hass) == ("120", "0", "80")
    await send(hass, LONG)
    assert usage(hass) == ("122", "2", "81")

    await flush(hass, freezer)
    assert hass_storage[STORAGE_KEY]["data"] == {
        "day": TODAY,
        "points_used_today": 2,
        "unknown_today": 0,
        "points_used": 122,
        "messages_sent": 81,
    }


@pytest.mark.parametrize("options", [limits(daily=2)])
@pytest.mark.parametrize(("new_limit", "cleared"), [(2, False), (3, True), (0, True)])
async def test_repair_cleared_by_the_options(
    hass: HomeAssistant,
    *,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    new_limit: int,
    cleared: bool,
) -> None:
    """Raising or removing the daily limit in the options clears the repair."""
    await send(hass, LONG)
    with pytest.raises(ServiceValidationError):
        await send(hass, "Hi")
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is not None

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DAILY_POINT_LIMIT: new_limit}
    )
    await hass.async_block_till_done()

    assert init_integration.options[CONF_DAILY_POINT_LIMIT] == new_limit
    assert (issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None) is cleared
    if cleared:
        await send(hass, "Hi")
        assert len(sends(simulator)) == 2


@pytest.mark.parametrize("options", [limits(daily=1)])
async def test_remove_entry_deletes_counts_and_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    hass_storage: dict[str, Any],
) -> None:
    """Deleting the entry deletes its stored counts and its repair."""
    await send(hass)
    with pytest.raises(ServiceValidationError):
        await send(hass)
    await flush(hass, freezer)
    assert STORAGE_KEY in hass_storage

    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert STORAGE_KEY not in hass_storage
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None


@pytest.mark.usefixtures("external_url", "simulator")
async def test_remove_entry_not_loaded(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """An entry removed without being set up in this run still loses its counts."""
    hass_storage[STORAGE_KEY] = _stored(TODAY, today=1)
    mock_config_entry.add_to_hass(hass)

    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert STORAGE_KEY not in hass_storage
