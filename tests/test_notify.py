"""Notify of SMS-Get: the legacy notify.sms_get service and a notify entity per recipient."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.notify import (
    ATTR_MESSAGE,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    SERVICE_SEND_MESSAGE,
    NotifyEntityFeature,
)
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sms_get.const import DOMAIN
from simulator import Account, Fault, RecordedRequest, Simulator

from .conftest import USERNAME

ENTRY_ID = "01JSMSGETENTRY0000000000000"
SEND = "api_send.php"
SEND_TWOWAY = "api_send_twoway.php"
MOM = "notify.mom"
GRANDPA = "notify.grandpa"


def sends(sim: Simulator) -> list[RecordedRequest]:
    """The send requests the simulator received (credit queries left out)."""
    return [r for r in sim.requests if r.endpoint in (SEND, SEND_TWOWAY)]


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The account hauser with two recipients."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=USERNAME,
        unique_id=USERNAME,
        data=entry_data,
        entry_id=ENTRY_ID,
        subentries_data=[
            ConfigSubentryDataWithId(
                data={CONF_NAME: "Mom", "phone": "0912345678"},
                subentry_id="01JSUBENTRYMOM000000000000",
                subentry_type="recipient",
                title="Mom",
                unique_id="0912345678",
            ),
            ConfigSubentryDataWithId(
                data={CONF_NAME: "Grandpa", "phone": "13500001234"},
                subentry_id="01JSUBENTRYGRANDPA00000000",
                subentry_type="recipient",
                title="Grandpa",
                unique_id="13500001234",
            ),
        ],
    )


async def notify(hass: HomeAssistant, service: str = DOMAIN, **data: Any) -> None:
    """Call a legacy notify service."""
    await hass.services.async_call(NOTIFY_DOMAIN, service, data, blocking=True)


@pytest.mark.usefixtures("init_integration")
async def test_legacy_service(hass: HomeAssistant, simulator: Simulator) -> None:
    """notify.sms_get sends the message to the targets, the title on its own line."""
    events = async_capture_events(hass, "sms_get_message_sent")

    await notify(
        hass,
        message="The front door is open",
        title="Home",
        target=["0912345678", "+886 912-345-679", "+886912345678"],
    )

    (request,) = sends(simulator)
    assert request.endpoint == SEND
    assert request.params["method"] == "1"
    assert request.params["phone"] == "0912345678,0912345679"
    assert request.params["sms_msg"] == "Home\nThe front door is open"
    (message,) = simulator.messages
    assert events[0].data == {
        "config_entry_id": ENTRY_ID,
        "message_id": message.message_id,
        "recipients": ["0912345678", "0912345679"],
        "points_used": 2,
        "credit_remaining": 998,
        "scheduled_for": None,
        "two_way": False,
    }
    assert hass.states.get("sensor.sms_get_hauser_credit").state == "998"


@pytest.mark.usefixtures("init_integration")
async def test_legacy_service_schedule_and_two_way(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """data: {schedule, two_way} schedules a two-way send in GMT+8."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    freezer.move_to("2026-12-31T12:00:00+00:00")
    events = async_capture_events(hass, "sms_get_message_sent")

    await notify(
        hass,
        message="Reply 03 YES if you come to the party",
        target="0912345678",
        data={"schedule": "2026-12-31 22:30:00", "two_way": True},
    )

    (request,) = sends(simulator)
    assert request.endpoint == SEND_TWOWAY
    assert request.params["method"] == "2"
    assert request.params["send_date"] == "2027/01/01"
    assert request.params["hour"] == "05"
    assert request.params["min"] == "30"
    assert events[0].data["scheduled_for"] == "2026-12-31T22:30:00+01:00"
    assert events[0].data["two_way"] is True


@pytest.mark.parametrize(
    ("data", "translation_key"),
    [
        pytest.param(
            {"message": "Hi", "target": ["0912345678"], "data": {"two_way": "maybe"}},
            "invalid_notify_data",
            id="two_way_not_a_boolean",
        ),
        pytest.param(
            {"message": "Hi", "target": ["0912345678"], "data": {"schedule": "soon"}},
            "invalid_notify_data",
            id="schedule_not_a_date",
        ),
        pytest.param(
            {"message": "Hi", "target": ["0912345678"], "data": {"priority": "high"}},
            "invalid_notify_data",
            id="unknown_key",
        ),
        pytest.param({"message": "Hi"}, "no_recipients", id="no_target"),
        pytest.param(
            {"message": "", "target": ["0912345678"]}, "empty_message", id="empty"
        ),
        pytest.param(
            {"message": "Hi", "target": ["0800 000 000"]},
            "invalid_phone_number",
            id="invalid_number",
        ),
        pytest.param(
            {"message": "Good night 🌙", "target": ["0912345678"]},
            "unsupported_characters",
            id="emoji",
        ),
        pytest.param(
            {
                "message": "Hi",
                "target": ["+86 135 0000 1234"],
                "data": {"two_way": True},
            },
            "two_way_taiwan_only",
            id="two_way_outside_taiwan",
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_legacy_service_validation(
    hass: HomeAssistant,
    simulator: Simulator,
    data: dict[str, Any],
    translation_key: str,
) -> None:
    """Bad notify calls are refused with a translated error before any request."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await notify(hass, **data)

    assert exc_info.value.translation_domain == DOMAIN
    assert exc_info.value.translation_key == translation_key
    assert sends(simulator) == []

    await notify(hass, message="Hi", target=["0912345678"])
    assert len(sends(simulator)) == 1


@pytest.mark.usefixtures("init_integration")
async def test_legacy_service_provider_error(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A provider refusal reaches the caller of notify.sms_get."""
    simulator.faults.append(Fault.code("009"))

    with pytest.raises(HomeAssistantError) as exc_info:
        await notify(hass, message="Hi", target=["0912345678"])

    assert exc_info.value.translation_key == "insufficient_credit"
    assert exc_info.value.translation_placeholders["code"] == "009"
    assert "Top up" in str(exc_info.value)
    await notify(hass, message="Hi", target=["0912345678"])
    assert len(simulator.messages) == 1


async def test_legacy_services_of_several_accounts(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    entry_data: dict[str, Any],
    external_url: str,
) -> None:
    """With several accounts each has notify.sms_get_{username}, sending as itself."""
    simulator.accounts["other"] = Account(password="other-pass", points=500)
    other = MockConfigEntry(
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
    mock_config_entry.add_to_hass(hass)
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert not hass.services.has_service(NOTIFY_DOMAIN, DOMAIN)
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_get_hauser")
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_get_other")

    await notify(hass, "sms_get_other", message="Hi", target=["0912345678"])
    await notify(hass, "sms_get_hauser", message="Hello", target=["0912345678"])
    assert [(m.username, m.text) for m in simulator.messages] == [
        ("other", "Hi"),
        ("hauser", "Hello"),
    ]

    # Unloading one account removes its service only.
    assert await hass.config_entries.async_unload(other.entry_id)
    await hass.async_block_till_done()
    assert not hass.services.has_service(NOTIFY_DOMAIN, "sms_get_other")
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_get_hauser")


@pytest.mark.usefixtures("init_integration")
async def test_recipient_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Each recipient is a notify entity on a device of its own."""
    credit = entity_registry.async_get("sensor.sms_get_hauser_credit")
    assert credit is not None
    for entity_id, name, subentry_id in (
        (MOM, "Mom", "01JSUBENTRYMOM000000000000"),
        (GRANDPA, "Grandpa", "01JSUBENTRYGRANDPA00000000"),
    ):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.unique_id == f"{ENTRY_ID}_{subentry_id}"
        assert entry.config_subentry_id == subentry_id
        assert entry.translation_key == "recipient"
        device = device_registry.async_get(entry.device_id)
        assert device is not None
        assert device.name == name
        assert device.identifiers == {(DOMAIN, f"{ENTRY_ID}_{subentry_id}")}
        assert device.entry_type is dr.DeviceEntryType.SERVICE
        assert device.id != credit.device_id
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == STATE_UNKNOWN
        assert state.attributes["friendly_name"] == name
        # The frontend offers the title field.
        assert state.attributes[ATTR_SUPPORTED_FEATURES] == NotifyEntityFeature.TITLE


@pytest.mark.parametrize(
    ("entity_id", "phone", "points"),
    [(MOM, "0912345678", 1), (GRANDPA, "13500001234", 4)],
)
@pytest.mark.usefixtures("init_integration")
async def test_recipient_send_message(
    hass: HomeAssistant,
    simulator: Simulator,
    entity_id: str,
    phone: str,
    points: int,
) -> None:
    """notify.send_message reaches the recipient's number, the title on its own line."""
    events = async_capture_events(hass, "sms_get_message_sent")

    await hass.services.async_call(
        NOTIFY_DOMAIN,
        SERVICE_SEND_MESSAGE,
        {ATTR_ENTITY_ID: entity_id, ATTR_MESSAGE: "Dinner at 7", ATTR_TITLE: "Home"},
        blocking=True,
    )

    (request,) = sends(simulator)
    assert request.params["phone"] == phone
    assert request.params["sms_msg"] == "Home\nDinner at 7"
    assert events[0].data["recipients"] == [phone]
    assert events[0].data["points_used"] == points
    # The entity records when it last sent.
    assert hass.states.get(entity_id).state != STATE_UNKNOWN

    await hass.services.async_call(
        NOTIFY_DOMAIN,
        SERVICE_SEND_MESSAGE,
        {ATTR_ENTITY_ID: entity_id, ATTR_MESSAGE: "No title"},
        blocking=True,
    )
    assert simulator.messages[-1].text == "No title"


@pytest.mark.usefixtures("init_integration")
async def test_recipient_send_message_errors(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Errors of a recipient's send reach the caller, translated."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await hass.services.async_call(
            NOTIFY_DOMAIN,
            SERVICE_SEND_MESSAGE,
            {ATTR_ENTITY_ID: MOM, ATTR_MESSAGE: "Love you ❤️🥰"},
            blocking=True,
        )
    assert exc_info.value.translation_key == "unsupported_characters"
    assert exc_info.value.translation_placeholders == {"characters": "🥰 (U+1F970)"}
    assert sends(simulator) == []

    simulator.faults.append(Fault.code("004"))
    with pytest.raises(HomeAssistantError) as exc_info:
        await hass.services.async_call(
            NOTIFY_DOMAIN,
            SERVICE_SEND_MESSAGE,
            {ATTR_ENTITY_ID: MOM, ATTR_MESSAGE: "A very long story"},
            blocking=True,
        )
    assert exc_info.value.translation_key == "message_too_long"
    assert "Shorten it" in str(exc_info.value)
    assert len(sends(simulator)) == 1


async def test_legacy_service_survives_reload(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A reload (as after changed options) brings notify.sms_get back, working."""
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert hass.services.has_service(NOTIFY_DOMAIN, DOMAIN)
    await notify(hass, message="Still here", target=["0912345678"])
    assert [m.text for m in simulator.messages] == ["Still here"]


async def test_no_yaml_platform(hass: HomeAssistant) -> None:
    """notify: platform sms_get in YAML sets up nothing: accounts come from the UI."""
    assert await async_setup_component(
        hass, NOTIFY_DOMAIN, {NOTIFY_DOMAIN: [{"platform": DOMAIN, "name": "yaml"}]}
    )
    await hass.async_block_till_done()

    assert not hass.services.has_service(NOTIFY_DOMAIN, "yaml")
    assert not hass.services.has_service(NOTIFY_DOMAIN, DOMAIN)
