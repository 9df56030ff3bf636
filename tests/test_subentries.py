"""Recipients: config subentries, each a notify entity on a device of its own."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
    ConfigSubentryData,
)
from homeassistant.const import CONF_NAME, EVENT_STATE_CHANGED
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sms_get.const import (
    CONF_ASSIST,
    CONF_PHONE,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from simulator import Simulator

CREDIT_SENSOR = "sensor.sms_get_hauser_credit"
ACCOUNT_ENTITIES = {
    CREDIT_SENSOR,
    "sensor.sms_get_hauser_points_used",
    "sensor.sms_get_hauser_points_used_today",
    "sensor.sms_get_hauser_messages_sent",
    "event.sms_get_hauser_delivery_report",
    "event.sms_get_hauser_reply",
}
MOM = "0912345678"
DAD = "0987654321"


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """An SMS-Get entry with two recipients, Mom and Dad."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="hauser",
        unique_id="hauser",
        data=entry_data,
        entry_id="01JSMSGETENTRY0000000000000",
        subentries_data=[
            ConfigSubentryData(
                data={CONF_NAME: name, CONF_PHONE: phone},
                subentry_id=f"subentry_{name.lower()}",
                subentry_type=SUBENTRY_RECIPIENT,
                title=name,
                unique_id=phone,
            )
            for name, phone in (("Mom", MOM), ("Dad", DAD))
        ],
    )


def _suggested(result: dict[str, Any]) -> dict[str, Any]:
    """The values a subentry form shows pre-filled."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


def _device(
    device_registry: dr.DeviceRegistry, identifier: str
) -> dr.DeviceEntry | None:
    """The entry's device with that identifier (the same call on both HA lines)."""
    for device in dr.async_entries_for_config_entry(
        device_registry, "01JSMSGETENTRY0000000000000"
    ):
        if (DOMAIN, identifier) in device.identifiers:
            return device
    return None


def _device_subentries(device: dr.DeviceEntry) -> set[str | None]:
    """The subentries a device belongs to, on either HA line."""
    if hasattr(device, "config_subentry_id"):  # 2026: one subentry at most
        return {device.config_subentry_id}
    subentries: set[str | None] = device.config_entries_subentries[
        "01JSMSGETENTRY0000000000000"
    ]
    return subentries


def _account_device(device_registry: dr.DeviceRegistry) -> dr.DeviceEntry:
    device = _device(device_registry, "01JSMSGETENTRY0000000000000")
    assert device is not None
    return device


def _device_entities(entity_registry: er.EntityRegistry, device_id: str) -> set[str]:
    return {
        entity.entity_id
        for entity in er.async_entries_for_device(entity_registry, device_id)
    }


def _assert_account_intact(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    credit: str = "1000",
) -> None:
    """The account's device still holds the credit sensor and the event entities."""
    device = _account_device(device_registry)
    assert device.name == "SMS-Get hauser"
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert _device_subentries(device) == {None}
    assert _device_entities(entity_registry, device.id) == ACCOUNT_ENTITIES
    for entity_id in ACCOUNT_ENTITIES:
        entity = entity_registry.async_get(entity_id)
        assert entity is not None
        assert entity.config_subentry_id is None
    assert hass.states.get(CREDIT_SENSOR).state == credit


async def _start(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return dict(result)


async def _reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str
) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    return dict(result)


async def test_recipients_have_their_own_devices(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Each recipient is a notify and a reply entity on a device named after them."""
    _assert_account_intact(hass, device_registry, entity_registry)
    for subentry_id, name, entity_id in (
        ("subentry_mom", "Mom", "notify.mom"),
        ("subentry_dad", "Dad", "notify.dad"),
    ):
        device = _device(device_registry, f"{init_integration.entry_id}_{subentry_id}")
        assert device is not None
        assert device.name == name
        assert _device_subentries(device) == {subentry_id}
        reply_entity_id = f"event.{name.lower()}_reply"
        assert _device_entities(entity_registry, device.id) == {
            entity_id,
            reply_entity_id,
        }
        for entity_id_on_device in (entity_id, reply_entity_id):
            entity = entity_registry.async_get(entity_id_on_device)
            assert entity is not None
            assert entity.config_subentry_id == subentry_id
            assert hass.states.get(entity_id_on_device) is not None

    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.dad", "message": "Dinner is ready"},
        blocking=True,
    )

    assert [(message.phones, message.text) for message in simulator.messages] == [
        ([DAD], "Dinner is ready")
    ]


async def test_add_and_remove_recipient(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A recipient comes and goes with its device; the account's stay in place."""
    result = await _start(hass, init_integration)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: " Grandma ", CONF_PHONE: "+886 912-000-111"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Grandma"
    assert result["data"] == {
        CONF_NAME: "Grandma",
        CONF_PHONE: "0912000111",
        CONF_ASSIST: False,
    }
    (subentry,) = (
        subentry
        for subentry in init_integration.subentries.values()
        if subentry.unique_id == "0912000111"
    )
    subentry_id = subentry.subentry_id
    assert subentry.title == "Grandma"
    assert subentry.subentry_type == SUBENTRY_RECIPIENT
    assert init_integration.state is ConfigEntryState.LOADED
    device = _device(device_registry, f"{init_integration.entry_id}_{subentry_id}")
    assert device is not None
    assert device.name == "Grandma"
    assert _device_entities(entity_registry, device.id) == {
        "notify.grandma",
        "event.grandma_reply",
    }
    _assert_account_intact(hass, device_registry, entity_registry)

    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.grandma", "message": "Hi", "title": "Hello"},
        blocking=True,
    )
    assert simulator.messages[-1].phones == ["0912000111"]
    assert simulator.messages[-1].text == "Hello\nHi"

    assert hass.config_entries.async_remove_subentry(init_integration, subentry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.LOADED
    assert subentry_id not in init_integration.subentries
    assert device_registry.async_get(device.id) is None
    for entity_id in ("notify.grandma", "event.grandma_reply"):
        assert entity_registry.async_get(entity_id) is None
        assert hass.states.get(entity_id) is None
    # The send's answer set the credit: 1 point per Taiwan message.
    _assert_account_intact(hass, device_registry, entity_registry, credit="999")
    # The other recipients keep theirs.
    assert hass.states.get("notify.mom") is not None
    assert hass.states.get("notify.dad") is not None


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        pytest.param(
            {CONF_NAME: "Bob", CONF_PHONE: "12345"},
            {CONF_PHONE: "invalid_phone_number"},
            id="too_short",
        ),
        pytest.param(
            {CONF_NAME: "Bob", CONF_PHONE: "+44 7700 900123"},
            {CONF_PHONE: "invalid_phone_number"},
            id="country_not_served",
        ),
        pytest.param(
            {CONF_NAME: "Bob", CONF_PHONE: "call me"},
            {CONF_PHONE: "invalid_phone_number"},
            id="not_a_number",
        ),
        pytest.param(
            {CONF_NAME: "Bob", CONF_PHONE: "+886 (912) 345.678"},
            {CONF_PHONE: "already_configured"},
            id="same_number_as_mom",
        ),
        pytest.param(
            {CONF_NAME: "   ", CONF_PHONE: "0912000111"},
            {CONF_NAME: "empty_name"},
            id="empty_name",
        ),
    ],
)
async def test_add_recipient_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    user_input: dict[str, str],
    errors: dict[str, str],
) -> None:
    """A bad recipient shows its error with what was typed, then is recovered."""
    result = await _start(hass, init_integration)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], user_input
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert _suggested(dict(result)) == {**user_input, CONF_ASSIST: False}
    assert len(init_integration.subentries) == 2

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Bob", CONF_PHONE: "0912 000 111"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_NAME: "Bob",
        CONF_PHONE: "0912000111",
        CONF_ASSIST: False,
    }
    assert hass.states.get("notify.bob") is not None


async def test_reconfigure_recipient(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A recipient's name and number change in place; Dad's number stays Dad's."""
    result = await _reconfigure(hass, init_integration, "subentry_mom")
    assert _suggested(result) == {CONF_NAME: "Mom", CONF_PHONE: MOM}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Mom", CONF_PHONE: "+886987654321"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PHONE: "already_configured"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Mother", CONF_PHONE: "+886 911 222 333"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = init_integration.subentries["subentry_mom"]
    assert subentry.title == "Mother"
    assert subentry.unique_id == "0911222333"
    assert dict(subentry.data) == {
        CONF_NAME: "Mother",
        CONF_PHONE: "0911222333",
        CONF_ASSIST: False,
    }
    assert init_integration.state is ConfigEntryState.LOADED
    # The same device and entity, renamed and texting the new number.
    device = _device(device_registry, f"{init_integration.entry_id}_subentry_mom")
    assert device is not None
    assert device.name == "Mother"
    assert _device_entities(entity_registry, device.id) == {
        "notify.mom",
        "event.mom_reply",
    }
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.mom", "message": "New number saved"},
        blocking=True,
    )
    assert simulator.messages[-1].phones == ["0911222333"]
    _assert_account_intact(hass, device_registry, entity_registry, credit="999")


async def test_reconfigure_recipient_keeps_number(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Renaming alone is fine: a recipient's own number is not a duplicate."""
    result = await _reconfigure(hass, init_integration, "subentry_dad")

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Papa", CONF_PHONE: "+886 987 654 321"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert dict(init_integration.subentries["subentry_dad"].data) == {
        CONF_NAME: "Papa",
        CONF_PHONE: DAD,
        CONF_ASSIST: False,
    }


async def test_changes_take_effect_in_place(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Options and recipients change without a reload: the account's entities stay.

    A reload would make them unavailable for a moment and leave a "detected an event"
    line in the logbook for each event entity; it would also query the credit again.
    """
    account_changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    queries = len(simulator.requests)

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "two_way_code": "03",
            "low_credit_threshold": 2000,
            "daily_point_limit": 0,
            "max_points_per_send": 0,
            "conversation_agent": "conversation.home_assistant",
            "assist_answer_segments": 2,
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The new threshold is checked at once against the known credit.
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, f"low_credit_{init_integration.entry_id}"
    )

    result = await _start(hass, init_integration)
    await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Grandma", CONF_PHONE: "0912000111"}
    )
    await hass.async_block_till_done()
    assert hass.states.get("notify.grandma") is not None

    result = await _reconfigure(hass, init_integration, "subentry_mom")
    await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Mother", CONF_PHONE: MOM}
    )
    await hass.async_block_till_done()
    assert hass.states.get("notify.mom").attributes["friendly_name"] == "Mother"

    assert hass.config_entries.async_remove_subentry(init_integration, "subentry_dad")
    await hass.async_block_till_done()
    assert hass.states.get("notify.dad") is None
    assert _device(device_registry, f"{init_integration.entry_id}_subentry_dad") is None

    assert init_integration.state is ConfigEntryState.LOADED
    assert len(simulator.requests) == queries
    assert [
        event.data["entity_id"]
        for event in account_changes
        if event.data["entity_id"] in ACCOUNT_ENTITIES
    ] == []
    assert hass.states.get(CREDIT_SENSOR).state == "1000"
