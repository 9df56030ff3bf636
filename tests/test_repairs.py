"""Repair issues of SMS-Get: the IP allowlist and a low credit."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sms_get.const import CREDIT_INTERVAL, DOMAIN
from simulator import Simulator

from .conftest import USERNAME

ENTRY_ID = "01JSMSGETENTRY0000000000000"
IP_ISSUE = f"ip_not_allowed_{ENTRY_ID}"
LOW_CREDIT_ISSUE = f"low_credit_{ENTRY_ID}"
CREDIT_SENSOR = "sensor.sms_get_hauser_credit"
# An allowlist that does not hold the loopback address Home Assistant calls from.
ELSEWHERE = {"192.0.2.1"}


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(CREDIT_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _send(hass: HomeAssistant, *recipients: str) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"message": "Hello", "recipients": list(recipients)},
        blocking=True,
        return_response=True,
    )


def _assert_ip_issue(issue_registry: ir.IssueRegistry) -> None:
    issue = issue_registry.async_get_issue(DOMAIN, IP_ISSUE)
    assert issue is not None
    assert issue.translation_key == "ip_not_allowed"
    assert issue.translation_placeholders == {"username": USERNAME}
    assert issue.severity is ir.IssueSeverity.ERROR
    assert not issue.is_fixable


async def test_ip_not_allowed_at_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A poll refused with 006 raises the repair; the next good poll clears it."""
    assert issue_registry.async_get_issue(DOMAIN, IP_ISSUE) is None
    simulator.accounts[USERNAME].allowed_ips = ELSEWHERE

    await _poll(hass, freezer)

    assert simulator.requests[-1].error_code == "006"
    _assert_ip_issue(issue_registry)
    assert hass.states.get(CREDIT_SENSOR).state == "unavailable"
    # Still refused: the same single issue.
    await _poll(hass, freezer)
    _assert_ip_issue(issue_registry)
    assert [key for key in issue_registry.issues if key[0] == DOMAIN] == [
        (DOMAIN, IP_ISSUE)
    ]

    simulator.accounts[USERNAME].allowed_ips = None
    await _poll(hass, freezer)

    assert issue_registry.async_get_issue(DOMAIN, IP_ISSUE) is None
    assert hass.states.get(CREDIT_SENSOR).state == "1000"


async def test_ip_not_allowed_at_send(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A send refused with 006 raises the repair; the next accepted send clears it."""
    simulator.accounts[USERNAME].allowed_ips = ELSEWHERE

    with pytest.raises(HomeAssistantError) as err:
        await _send(hass, "0912345678")

    assert err.value.translation_key == "send_ip_not_allowed"
    assert err.value.translation_placeholders == {"code": "006"}
    assert not simulator.messages
    _assert_ip_issue(issue_registry)

    simulator.accounts[USERNAME].allowed_ips = None
    await _send(hass, "0912345678")

    assert issue_registry.async_get_issue(DOMAIN, IP_ISSUE) is None
    assert len(simulator.messages) == 1


@pytest.mark.usefixtures("external_url")
async def test_ip_not_allowed_at_setup(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Refused at setup: retried, with the repair saying why; cleared once it loads."""
    simulator.accounts[USERNAME].allowed_ips = ELSEWHERE

    await _setup(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.error_reason_translation_key == "setup_ip_not_allowed"
    _assert_ip_issue(issue_registry)

    simulator.accounts[USERNAME].allowed_ips = None
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1))
    await hass.async_block_till_done(wait_background_tasks=True)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, IP_ISSUE) is None


@pytest.mark.usefixtures("external_url")
async def test_low_credit(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Below the default 50 points a repair says how many are left; a top-up clears it."""
    simulator.accounts[USERNAME].points = 40

    await _setup(hass, mock_config_entry)

    issue = issue_registry.async_get_issue(DOMAIN, LOW_CREDIT_ISSUE)
    assert issue is not None
    assert issue.translation_key == "low_credit"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable
    assert issue.learn_more_url == "https://sms-get.com"
    assert issue.translation_placeholders == {
        "username": USERNAME,
        "credit": "40",
        "threshold": "50",
        "url": "https://sms-get.com",
    }

    # Spent further: the issue follows the credit.
    simulator.accounts[USERNAME].points = 12
    await _poll(hass, freezer)
    issue = issue_registry.async_get_issue(DOMAIN, LOW_CREDIT_ISSUE)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["credit"] == "12"

    # Topped up to exactly the threshold: no longer below it.
    simulator.accounts[USERNAME].points = 50
    await _poll(hass, freezer)
    assert issue_registry.async_get_issue(DOMAIN, LOW_CREDIT_ISSUE) is None
    assert hass.states.get(CREDIT_SENSOR).state == "50"


@pytest.mark.usefixtures("external_url")
async def test_low_credit_after_send(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A send that takes the credit below the threshold raises the repair at once."""
    simulator.accounts[USERNAME].points = 51
    await _setup(hass, mock_config_entry)
    assert issue_registry.async_get_issue(DOMAIN, LOW_CREDIT_ISSUE) is None

    await _send(hass, "0912345678", "0987654321")

    issue = issue_registry.async_get_issue(DOMAIN, LOW_CREDIT_ISSUE)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["credit"] == "49"
    assert sum(r.endpoint == "api_query_credit.php" for r in simulator.requests) == 1


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize(
    ("threshold", "points"),
    [(10, 40), (10, 10), (10, 9), (0, 0), (1000, 999)],
    ids=["above", "at", "below", "zero_never_warns", "high_threshold"],
)
async def test_low_credit_threshold_option(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    threshold: int,
    points: int,
) -> None:
    """The repair follows the threshold set in the options: up only below it."""
    issue_registry = ir.async_get(hass)
    simulator.accounts[USERNAME].points = points
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        options={"two_way_code": "", "low_credit_threshold": threshold},
    )

    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.LOADED
    issue = issue_registry.async_get_issue(DOMAIN, LOW_CREDIT_ISSUE)
    placeholders = issue.translation_placeholders if issue else None
    expected = {
        "username": USERNAME,
        "credit": str(points),
        "threshold": str(threshold),
        "url": "https://sms-get.com",
    }
    assert placeholders == (expected if points < threshold else None)


async def test_removing_the_entry_removes_its_issues(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Both repairs of an account go with it; another account's stay."""
    other = MockConfigEntry(domain=DOMAIN, title="other", unique_id="other")
    other.add_to_hass(hass)
    other_issue = f"low_credit_{other.entry_id}"
    ir.async_create_issue(
        hass,
        DOMAIN,
        other_issue,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="low_credit",
    )
    simulator.accounts[USERNAME].points = 10
    await _poll(hass, freezer)
    simulator.accounts[USERNAME].allowed_ips = ELSEWHERE
    with pytest.raises(HomeAssistantError):
        await _send(hass, "0912345678")
    assert issue_registry.async_get_issue(DOMAIN, LOW_CREDIT_ISSUE) is not None
    _assert_ip_issue(issue_registry)

    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, LOW_CREDIT_ISSUE) is None
    assert issue_registry.async_get_issue(DOMAIN, IP_ISSUE) is None
    assert issue_registry.async_get_issue(DOMAIN, other_issue) is not None
