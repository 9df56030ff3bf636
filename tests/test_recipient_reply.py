"""Recipients in callbacks: their name on the events, and a reply entity each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigSubentryData
from homeassistant.const import CONF_NAME, EVENT_STATE_CHANGED, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.sms_get.const import CONF_PHONE, DOMAIN, SUBENTRY_RECIPIENT
from tests.common import assert_platform_snapshot

from .conftest import WEBHOOK_ID

URL = f"/api/webhook/{WEBHOOK_ID}"
ENTRY_ID = "01JSMSGETENTRY0000000000000"
GRANDMA = "0912345678"
GRANDPA = "0987654321"
STRANGER = "0922333444"
NOW = "2025-06-01T13:08:30+00:00"
TIME = "2025-06-01 21:08:07"

type Client = TestClient[Any, Any]


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The account with two-way code 03 and two recipients."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="hauser",
        unique_id="hauser",
        data=entry_data,
        options={"two_way_code": "03", "low_credit_threshold": 50},
        entry_id=ENTRY_ID,
        subentries_data=[
            ConfigSubentryData(
                data={CONF_NAME: name, CONF_PHONE: phone},
                subentry_id=f"subentry_{name.lower()}",
                subentry_type=SUBENTRY_RECIPIENT,
                title=name,
                unique_id=phone,
            )
            for name, phone in (("Grandma", GRANDMA), ("Grandpa", GRANDPA))
        ],
    )


@pytest.fixture
async def client(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    hass_client_no_auth: Callable[[], Awaitable[Client]],
) -> Client:
    """An HTTP client for Home Assistant, with SMS-Get set up at a fixed time."""
    freezer.move_to(NOW)
    return await hass_client_no_auth()


async def _callback(hass: HomeAssistant, client: Client, data: dict[str, str]) -> None:
    response = await client.post(URL, data=data)
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()


def _replies(*lines: tuple[str, str]) -> dict[str, str]:
    return {
        "content": ",".join(
            f"{phone}|r{n}|{TIME}|{quote(text, safe='')}"
            for n, (phone, text) in enumerate(lines)
        )
    }


def _changes(hass: HomeAssistant, entity_id: str) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []

    def _record(event: Event[Any]) -> None:
        if event.data["entity_id"] == entity_id:
            changes.append(dict(event.data["new_state"].attributes))

    hass.bus.async_listen(EVENT_STATE_CHANGED, _record)
    return changes


async def test_entities(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Each recipient's reply entity shows their reply (snapshot)."""
    await _callback(hass, client, _replies((GRANDMA, "03 好的")))

    assert_platform_snapshot(
        hass,
        entity_registry,
        snapshot,
        config_entry_id=init_integration.entry_id,
        domain="event",
        capabilities={
            "event.sms_get_hauser_delivery_report": {
                "event_types": ["delivered", "not_delivered"]
            },
            "event.sms_get_hauser_reply": {"event_types": ["received"]},
            "event.grandma_reply": {"event_types": ["received"]},
            "event.grandpa_reply": {"event_types": ["received"]},
        },
    )


async def test_reply_entity_on_recipient_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The reply entity is on the recipient's device, beside its notify entity."""
    entity = entity_registry.async_get("event.grandma_reply")
    assert entity is not None
    assert entity.config_subentry_id == "subentry_grandma"
    assert entity.translation_key == "reply"
    device = device_registry.async_get(entity.device_id or "")
    assert device is not None
    assert device.name == "Grandma"
    notify = entity_registry.async_get("notify.grandma")
    assert notify is not None
    assert notify.device_id == entity.device_id
    state = hass.states.get("event.grandma_reply")
    assert state is not None
    assert state.state == STATE_UNKNOWN
    assert state.attributes["friendly_name"] == "Grandma Reply"


async def test_every_reply_from_the_phone(
    hass: HomeAssistant, client: Client, init_integration: MockConfigEntry
) -> None:
    """The entity fires for each reply from its phone, with the bus event's data."""
    replies = async_capture_events(hass, "sms_get_reply_received")
    grandma = _changes(hass, "event.grandma_reply")
    grandpa = _changes(hass, "event.grandpa_reply")
    await _callback(
        hass,
        client,
        _replies(
            (GRANDMA, "03 first"),
            (STRANGER, "03 who is this"),
            ("+886912345678", "second"),
            (GRANDPA, "03 hi"),
        ),
    )

    assert [(event.data["phone"], event.data["recipient"]) for event in replies] == [
        (GRANDMA, "Grandma"),
        (STRANGER, None),
        (GRANDMA, "Grandma"),
        (GRANDPA, "Grandpa"),
    ]
    assert [change["event_type"] for change in grandma] == ["received", "received"]
    assert [
        {key: value for key, value in change.items() if key in replies[0].data}
        for change in grandma
    ] == [replies[0].data, replies[2].data]
    assert [change["text"] for change in grandpa] == ["hi"]


async def test_delivery_report_carries_recipient(
    hass: HomeAssistant, client: Client, init_integration: MockConfigEntry
) -> None:
    """Delivery reports name the recipient too, and so does the account's entity."""
    reports = async_capture_events(hass, "sms_get_delivery_report")
    await _callback(
        hass,
        client,
        {
            "sms_id": "59c4e123",
            "content": f"{STRANGER}|a2|{TIME}|UNDELIV,{GRANDPA}|a1|{TIME}|DELIVRD",
        },
    )
    assert [event.data["recipient"] for event in reports] == [None, "Grandpa"]
    state = hass.states.get("event.sms_get_hauser_delivery_report")
    assert state is not None
    assert state.attributes["recipient"] == "Grandpa"
    # Replies to the account's entity carry it as well.
    await _callback(hass, client, _replies((GRANDMA, "03 ok")))
    state = hass.states.get("event.sms_get_hauser_reply")
    assert state is not None
    assert state.attributes["recipient"] == "Grandma"


async def test_reply_entity_follows_a_changed_number(
    hass: HomeAssistant, client: Client, init_integration: MockConfigEntry
) -> None:
    """After the recipient's number changes, replies from the new number fire."""
    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": "subentry_grandma"},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Nana", CONF_PHONE: STRANGER}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT

    replies = async_capture_events(hass, "sms_get_reply_received")
    changes = _changes(hass, "event.grandma_reply")
    await _callback(hass, client, _replies((GRANDMA, "03 old"), (STRANGER, "03 new")))
    assert [event.data["recipient"] for event in replies] == [None, "Nana"]
    assert [change["text"] for change in changes] == ["new"]
