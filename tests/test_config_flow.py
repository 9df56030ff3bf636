"""Config flow of SMS-Get: user, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
import re
import socket
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.sms_get import const
from simulator import Account, Fault, Simulator

from .common import async_time_out
from .conftest import EXTERNAL_URL, PASSWORD, USERNAME, WEBHOOK_ID

NEW_PASSWORD = "n3w-Pa55word"
CREDIT = "api_query_credit.php"

# Makes the check fail; True when SMS-Get is to keep its answer back past the timeout.
type Arrange = Callable[[Simulator, dict[str, Any]], bool | None]


def _closed_port_url() -> str:
    """An address on loopback where nothing listens: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _user_input(
    api_url: str, username: str = USERNAME, password: str = PASSWORD
) -> dict[str, Any]:
    return {
        CONF_USERNAME: username,
        CONF_PASSWORD: password,
        const.CONF_ADVANCED: {const.CONF_API_URL: api_url},
    }


def _fault(fault: Fault) -> Arrange:
    def arrange(sim: Simulator, user_input: dict[str, Any]) -> None:
        sim.faults.append(fault)

    return arrange


def _wrong_password(sim: Simulator, user_input: dict[str, Any]) -> None:
    user_input[CONF_PASSWORD] = "not-the-password"


def _refused(sim: Simulator, user_input: dict[str, Any]) -> None:
    if const.CONF_ADVANCED in user_input:
        user_input[const.CONF_ADVANCED][const.CONF_API_URL] = _closed_port_url()
    else:  # the reauth form has no API URL: the stored one stops answering
        sim.faults.append(Fault.drop())


def _timeout(sim: Simulator, user_input: dict[str, Any]) -> bool:
    return True


# Every way the credential check can fail, and the form error it shows.
ERRORS = [
    pytest.param(_wrong_password, "invalid_auth", id="wrong_password"),
    pytest.param(_fault(Fault.code("005")), "invalid_auth", id="code_005"),
    pytest.param(_fault(Fault.code("006")), "ip_not_allowed", id="code_006"),
    pytest.param(_refused, "cannot_connect", id="connection_refused"),
    pytest.param(_timeout, "cannot_connect", id="timeout"),
    pytest.param(_fault(Fault.drop()), "cannot_connect", id="dropped"),
    pytest.param(_fault(Fault.html()), "cannot_connect", id="html"),
    pytest.param(_fault(Fault.empty()), "cannot_connect", id="empty"),
    pytest.param(_fault(Fault.status(500)), "cannot_connect", id="http_500"),
    pytest.param(_fault(Fault.status(503)), "cannot_connect", id="http_503"),
    pytest.param(_fault(Fault.json("{not json")), "cannot_connect", id="bad_json"),
    pytest.param(
        _fault(Fault.json({"result": "ok"})), "cannot_connect", id="not_provider_json"
    ),
    pytest.param(
        _fault(Fault.json({"stats": True, "error_code": "000", "error_msg": "x"})),
        "cannot_connect",
        id="garbled_success",
    ),
    pytest.param(_fault(Fault.code("001")), "unknown", id="code_001"),
    pytest.param(_fault(Fault.code("009")), "unknown", id="code_009"),
]


async def _async_submit(
    hass: HomeAssistant,
    simulator: Simulator,
    arrange: Arrange,
    flow_id: str,
    user_input: dict[str, Any],
) -> dict[str, Any]:
    """Submit the form with the failure arranged."""
    late = arrange(simulator, user_input)
    submit = hass.config_entries.flow.async_configure(flow_id, user_input)
    return dict(await (async_time_out(hass, simulator, submit) if late else submit))


def _credit_queries(sim: Simulator) -> int:
    return sum(request.endpoint == CREDIT for request in sim.requests)


def _form_defaults(result: dict[str, Any]) -> dict[str, Any]:
    """What the form shows pre-filled: the schema applied to an answer leaving all out."""
    return dict(
        result["data_schema"]({CONF_PASSWORD: "typed again", const.CONF_ADVANCED: {}})
    )


async def _start_user_flow(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        const.DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return dict(result)


@pytest.mark.usefixtures("external_url")
async def test_user_flow(hass: HomeAssistant, simulator: Simulator) -> None:
    """One credit query checks the account; the entry shows its webhook URL."""
    result = await _start_user_flow(hass)
    # The API URL sits in a collapsed section, pre-filled with SMS-Get's own.
    assert _form_defaults(result) == {
        CONF_USERNAME: "",
        CONF_PASSWORD: "typed again",
        const.CONF_ADVANCED: {const.CONF_API_URL: "https://sms-get.com"},
    }
    assert not simulator.requests

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(simulator.url, username=f"  {USERNAME} "),
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == USERNAME
    entry = result["result"]
    assert entry.unique_id == USERNAME
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    assert entry.data == {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: PASSWORD,
        const.CONF_API_URL: simulator.url,
        CONF_WEBHOOK_ID: webhook_id,
    }
    # 256 random bits, as 64 hex digits.
    assert re.fullmatch(r"[0-9a-f]{64}", webhook_id)
    assert result["description_placeholders"] == {
        "webhook_url": f"{EXTERNAL_URL}/api/webhook/{webhook_id}"
    }
    # The check was one credit query, credentials in the POST body only.
    check = simulator.requests[0]
    assert check.endpoint == CREDIT
    assert check.method == "POST"
    assert check.query == {}
    assert check.form == {"username": USERNAME, "password": PASSWORD}
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.sms_get_hauser_credit").state == "1000"


@pytest.mark.usefixtures("external_url")
async def test_two_entries_have_their_own_webhook(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Each account gets a fresh random webhook ID."""
    simulator.accounts["other"] = Account(password="other-pass", points=10)
    webhook_ids = []
    for username, password in ((USERNAME, PASSWORD), ("other", "other-pass")):
        result = await _start_user_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            _user_input(simulator.url, username, password),
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        webhook_ids.append(result["result"].data[CONF_WEBHOOK_ID])
        assert result["description_placeholders"]["webhook_url"] == (
            f"{EXTERNAL_URL}/api/webhook/{webhook_ids[-1]}"
        )
    await hass.async_block_till_done()

    assert all(re.fullmatch(r"[0-9a-f]{64}", webhook_id) for webhook_id in webhook_ids)
    assert webhook_ids[0] != webhook_ids[1]
    assert [entry.unique_id for entry in hass.config_entries.async_entries()] == [
        USERNAME,
        "other",
    ]


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize(("arrange", "error"), ERRORS)
async def test_user_flow_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    arrange: Arrange,
    error: str,
) -> None:
    """Each failure shows its error, keeps what was typed, and can be recovered."""
    result = await _start_user_flow(hass)
    user_input = _user_input(simulator.url)
    result = await _async_submit(
        hass, simulator, arrange, result["flow_id"], user_input
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": error}
    # The username and API URL come back as typed; the password does not.
    assert _form_defaults(result) == {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: "typed again",
        const.CONF_ADVANCED: {
            const.CONF_API_URL: user_input[const.CONF_ADVANCED][const.CONF_API_URL]
        },
    }
    assert not hass.config_entries.async_entries(const.DOMAIN)
    # Only the unexpected is logged with its traceback; nothing logs the password.
    unexpected = "Unexpected error while checking SMS-Get credentials"
    assert (unexpected in caplog.text) is (error == "unknown")
    assert PASSWORD not in caplog.text

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(simulator.url),
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == USERNAME
    assert result["result"].state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("external_url")
async def test_user_flow_already_configured(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    """A second flow for the same username aborts before any request."""
    mock_config_entry.add_to_hass(hass)
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(simulator.url, username=USERNAME, password="anything"),
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert not simulator.requests
    assert len(hass.config_entries.async_entries(const.DOMAIN)) == 1


async def test_user_flow_with_cloud(hass: HomeAssistant, simulator: Simulator) -> None:
    """With Home Assistant Cloud the entry gets a cloudhook, and shows its URL."""
    cloudhook = "https://hooks.nabu.casa/sms-get-cloudhook"
    hass.config.components.add("cloud")
    result = await _start_user_flow(hass)
    # Home Assistant Cloud, faked where the integration calls it.
    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            return_value=True,
        ),
        patch(
            "homeassistant.components.cloud.async_create_cloudhook",
            return_value=cloudhook,
        ) as create_cloudhook,
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            _user_input(simulator.url),
        )
        await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data[const.CONF_CLOUDHOOK_URL] == cloudhook
    assert result["description_placeholders"] == {"webhook_url": cloudhook}
    # Created once, in the flow: setup keeps the stored one.
    create_cloudhook.assert_awaited_once_with(hass, entry.data[CONF_WEBHOOK_ID])
    assert entry.state is ConfigEntryState.LOADED


# --- reauthentication --------------------------------------------------------------


async def _finish_reauth(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Type the new password into the reauth flow in progress; the entry reloads."""
    flows = list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert len(flows) == 1
    assert flows[0]["step_id"] == "reauth_confirm"
    # The form names the account whose password is asked for.
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"])
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"]["username"] == USERNAME

    before = len(simulator.requests)
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_PASSWORD: NEW_PASSWORD}
    )
    await hass.async_block_till_done()
    # The check, then one setup: the entry reloads once, with the new password.
    assert [
        (request.endpoint, request.form["password"])
        for request in simulator.requests[before:]
    ] == [(CREDIT, NEW_PASSWORD)] * 2

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == NEW_PASSWORD
    assert entry.data[CONF_WEBHOOK_ID] == WEBHOOK_ID
    assert entry.state is ConfigEntryState.LOADED
    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert hass.states.get("sensor.sms_get_hauser_credit").state == "1000"


@pytest.mark.usefixtures("external_url")
async def test_reauth_at_setup(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    """A password changed on SMS-Get stops setup and asks for the new one."""
    simulator.accounts[USERNAME].password = NEW_PASSWORD
    mock_config_entry.add_to_hass(hass)

    assert not await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    await _finish_reauth(hass, mock_config_entry, simulator)


async def test_reauth_at_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """A credit poll refused with 005 starts reauthentication."""
    simulator.accounts[USERNAME].password = NEW_PASSWORD
    assert not list(init_integration.async_get_active_flows(hass, {SOURCE_REAUTH}))

    freezer.tick(const.CREDIT_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert simulator.requests[-1].error_code == "005"
    assert hass.states.get("sensor.sms_get_hauser_credit").state == "unavailable"
    await _finish_reauth(hass, init_integration, simulator)


async def test_reauth_at_send(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A send refused with 005 fails with a translated error and starts reauth."""
    simulator.accounts[USERNAME].password = NEW_PASSWORD

    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            const.DOMAIN,
            "send_message",
            {"message": "Hello", "recipients": ["0912345678"]},
            blocking=True,
            return_response=True,
        )
    await hass.async_block_till_done()

    assert err.value.translation_key == "send_invalid_auth"
    assert err.value.translation_placeholders == {"code": "005"}
    assert not simulator.messages
    await _finish_reauth(hass, init_integration, simulator)


@pytest.mark.parametrize(("arrange", "error"), ERRORS)
async def test_reauth_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    arrange: Arrange,
    error: str,
) -> None:
    """Each failure of the new password's check shows its error, then recovers."""
    simulator.accounts[USERNAME].password = NEW_PASSWORD
    result = await init_integration.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    user_input = {CONF_PASSWORD: NEW_PASSWORD}
    result = await _async_submit(
        hass, simulator, arrange, result["flow_id"], user_input
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert init_integration.data[CONF_PASSWORD] == PASSWORD

    await _finish_reauth(hass, init_integration, simulator)


# --- reconfiguration ---------------------------------------------------------------


@pytest.mark.usefixtures("external_url")
async def test_reconfigure(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    """A moved API URL and a new password are changed in place."""
    stale_url = _closed_port_url()
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        data={**mock_config_entry.data, const.CONF_API_URL: stale_url},
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    simulator.accounts[USERNAME].password = NEW_PASSWORD

    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert _form_defaults(dict(result)) == {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: "typed again",
        const.CONF_ADVANCED: {const.CONF_API_URL: stale_url},
    }

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(simulator.url, password=NEW_PASSWORD),
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data == {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: NEW_PASSWORD,
        const.CONF_API_URL: simulator.url,
        CONF_WEBHOOK_ID: WEBHOOK_ID,
    }
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.sms_get_hauser_credit").state == "1000"


async def test_reconfigure_other_account(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Another username is refused: that is a new entry, not a reconfiguration."""
    simulator.accounts["other"] = Account(password="other-pass", points=10)
    requests = len(simulator.requests)
    result = await init_integration.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(simulator.url, "other", "other-pass"),
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert len(simulator.requests) == requests
    assert init_integration.unique_id == USERNAME
    assert init_integration.data[CONF_USERNAME] == USERNAME
    assert init_integration.data[CONF_PASSWORD] == PASSWORD


@pytest.mark.parametrize(("arrange", "error"), ERRORS)
async def test_reconfigure_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    arrange: Arrange,
    error: str,
) -> None:
    """Each failure keeps the entry as it was, shows its error, then recovers."""
    simulator.accounts[USERNAME].password = NEW_PASSWORD
    result = await init_integration.start_reconfigure_flow(hass)
    user_input = _user_input(simulator.url, password=NEW_PASSWORD)
    result = await _async_submit(
        hass, simulator, arrange, result["flow_id"], user_input
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": error}
    assert _form_defaults(dict(result))[const.CONF_ADVANCED] == {
        const.CONF_API_URL: user_input[const.CONF_ADVANCED][const.CONF_API_URL]
    }
    assert init_integration.data[CONF_PASSWORD] == PASSWORD

    before = len(simulator.requests)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(simulator.url, password=NEW_PASSWORD),
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data[CONF_PASSWORD] == NEW_PASSWORD
    assert init_integration.state is ConfigEntryState.LOADED
    # The check, then one setup: the entry reloads once.
    assert len(simulator.requests) - before == 2


async def test_reconfigure_unchanged(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Saving the same settings still reloads the entry, once."""
    result = await init_integration.start_reconfigure_flow(hass)
    before = len(simulator.requests)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(simulator.url),
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.state is ConfigEntryState.LOADED
    assert len(simulator.requests) - before == 2


# --- options -----------------------------------------------------------------------

DEFAULT_OPTIONS = {
    const.CONF_TWO_WAY_CODE: "",
    const.CONF_LOW_CREDIT_THRESHOLD: const.DEFAULT_LOW_CREDIT_THRESHOLD,
    const.CONF_DAILY_POINT_LIMIT: 0,
    const.CONF_MAX_POINTS_PER_SEND: 0,
    const.CONF_CONVERSATION_AGENT: const.DEFAULT_CONVERSATION_AGENT,
    const.CONF_ASSIST_ANSWER_SEGMENTS: const.DEFAULT_ASSIST_ANSWER_SEGMENTS,
}


async def test_options_flow(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    hass_client_no_auth: Callable[..., Any],
) -> None:
    """The options show the webhook URL and take effect without a restart."""
    issue_id = f"low_credit_{init_integration.entry_id}"
    assert issue_registry.async_get_issue(const.DOMAIN, issue_id) is None

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["description_placeholders"] == {
        "webhook_url": f"{EXTERNAL_URL}/api/webhook/{WEBHOOK_ID}"
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {const.CONF_TWO_WAY_CODE: " 03 ", const.CONF_LOW_CREDIT_THRESHOLD: 2000.0},
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        **DEFAULT_OPTIONS,
        const.CONF_TWO_WAY_CODE: "03",
        const.CONF_LOW_CREDIT_THRESHOLD: 2000,
    }
    assert init_integration.state is ConfigEntryState.LOADED
    # The new threshold is above the 1000 points left: the repair is up at once.
    issue = issue_registry.async_get_issue(const.DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["credit"] == "1000"
    assert issue.translation_placeholders["threshold"] == "2000"
    # And replies have the new two-way code taken off.
    replies = async_capture_events(hass, const.EVENT_REPLY_RECEIVED)
    client: TestClient = await hass_client_no_auth()
    response = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        data={"content": "0912345678|59c4e123|2026-01-01 21:08:07|03%20yes"},
    )
    assert response.status == HTTPStatus.OK
    assert await response.text() == "ok"
    await hass.async_block_till_done()
    assert [(event.data["code"], event.data["text"]) for event in replies] == [
        ("03", "yes")
    ]


async def test_options_flow_invalid_two_way_code(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A two-way code is digits only; the form keeps what was typed."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {const.CONF_TWO_WAY_CODE: "O3", const.CONF_LOW_CREDIT_THRESHOLD: 10},
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {const.CONF_TWO_WAY_CODE: "invalid_two_way_code"}
    assert init_integration.options == {}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {const.CONF_TWO_WAY_CODE: "", const.CONF_LOW_CREDIT_THRESHOLD: 10},
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        **DEFAULT_OPTIONS,
        const.CONF_TWO_WAY_CODE: "",
        const.CONF_LOW_CREDIT_THRESHOLD: 10,
    }
    assert init_integration.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    "field",
    [
        const.CONF_LOW_CREDIT_THRESHOLD,
        const.CONF_DAILY_POINT_LIMIT,
        const.CONF_MAX_POINTS_PER_SEND,
    ],
)
async def test_options_flow_negative_number(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    field: str,
) -> None:
    """Limits and the threshold are 0 or more; the other fields are kept."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {const.CONF_TWO_WAY_CODE: "03", field: -1},
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: "negative_number"}
    assert init_integration.options == {}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {const.CONF_TWO_WAY_CODE: "03", field: 0},
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        **DEFAULT_OPTIONS,
        const.CONF_TWO_WAY_CODE: "03",
        field: 0,
    }


async def test_every_flow_without_reports(
    hass: HomeAssistant,
    simulator: Simulator,
    external_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """User, options, recipients, reconfigure, reauth: Home Assistant reports nothing.

    Home Assistant 2026.12 turns an update listener together with a reloading flow
    method into an error; its report starts "Detected that custom integration".
    """
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(simulator.url),  # type: ignore[attr-defined]
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            const.CONF_TWO_WAY_CODE: "03",
            const.CONF_LOW_CREDIT_THRESHOLD: 10,
            const.CONF_DAILY_POINT_LIMIT: 0,
            const.CONF_MAX_POINTS_PER_SEND: 0,
            const.CONF_CONVERSATION_AGENT: const.DEFAULT_CONVERSATION_AGENT,
            const.CONF_ASSIST_ANSWER_SEGMENTS: 2,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, const.SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Mom", const.CONF_PHONE: "0912345678"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry_id = next(iter(entry.subentries))
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, const.SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Mother", const.CONF_PHONE: "0912345678"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    queries = _credit_queries(simulator)
    result = await hass.config_entries.flow.async_init(
        const.DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(simulator.url),  # type: ignore[attr-defined]
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    # The check, then one reload's setup.
    assert _credit_queries(simulator) == queries + 2

    simulator.accounts[USERNAME].password = NEW_PASSWORD
    result = await hass.config_entries.flow.async_init(
        const.DOMAIN,
        context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id},
        data=dict(entry.data),
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: NEW_PASSWORD}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert _credit_queries(simulator) == queries + 4

    assert entry.state is ConfigEntryState.LOADED
    assert "Detected that custom integration" not in caplog.text
