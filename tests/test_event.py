"""The event entities mirroring delivery reports and replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.sms_get.const import DOMAIN
from tests.common import assert_platform_snapshot

from .conftest import WEBHOOK_ID

URL = f"/api/webhook/{WEBHOOK_ID}"
REPORT_ENTITY = "event.sms_get_hauser_delivery_report"
REPLY_ENTITY = "event.sms_get_hauser_reply"
EVENT_TYPES = {
    REPORT_ENTITY: ["delivered", "not_delivered"],
    REPLY_ENTITY: ["received"],
}
TIME = "2025-06-01 21:08:07"
NOW = "2025-06-01T13:08:30+00:00"

type Client = TestClient[Any, Any]


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The account, with its two-way code configured."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="hauser",
        unique_id="hauser",
        data=entry_data,
        options={"two_way_code": "03", "low_credit_threshold": 50},
        entry_id="01JSMSGETENTRY0000000000000",
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
    assert await response.text() == "ok"
    await hass.async_block_till_done()


def _report(*lines: str) -> dict[str, str]:
    return {"sms_id": "59c4e123", "content": ",".join(lines)}


def _reply(*texts: str) -> dict[str, str]:
    return {
        "content": ",".join(
            f"09123456{n:02d}|r{n}|{TIME}|{quote(text, safe='')}"
            for n, text in enumerate(texts)
        )
    }


async def test_entities(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """After a delivery report and a reply, the entities show them (snapshot)."""
    await _callback(hass, client, _report(f"0912345678|a1|{TIME}|DELIVRD"))
    await _callback(hass, client, _reply("03 好的,謝謝"))

    assert_platform_snapshot(
        hass,
        entity_registry,
        snapshot,
        config_entry_id=init_integration.entry_id,
        domain="event",
        capabilities={
            entity_id: {"event_types": event_types}
            for entity_id, event_types in EVENT_TYPES.items()
        },
    )


async def test_entities_on_account_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Both event entities belong to the account's device, unknown until a callback."""
    devices = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert len(devices) == 1
    device = devices[0]
    assert device.identifiers == {(DOMAIN, init_integration.entry_id)}
    assert device.name == "SMS-Get hauser"
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    for entity_id in (REPORT_ENTITY, REPLY_ENTITY):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.device_id == device.id
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == STATE_UNKNOWN
    report_state = hass.states.get(REPORT_ENTITY)
    assert report_state is not None
    assert report_state.attributes["event_types"] == ["delivered", "not_delivered"]
    assert report_state.attributes["friendly_name"] == "SMS-Get hauser Delivery report"
    reply_state = hass.states.get(REPLY_ENTITY)
    assert reply_state is not None
    assert reply_state.attributes["event_types"] == ["received"]
    assert reply_state.attributes["friendly_name"] == "SMS-Get hauser Reply"


def _entity_changes(hass: HomeAssistant, entity_id: str) -> list[dict[str, Any]]:
    """Every new state of one entity, as (state, attributes) data."""
    changes: list[dict[str, Any]] = []

    # A callback: a plain function would run in the executor, out of order.
    @callback
    def _record(event: Event[Any]) -> None:
        if event.data["entity_id"] == entity_id:
            changes.append(dict(event.data["new_state"].attributes))

    hass.bus.async_listen(EVENT_STATE_CHANGED, _record)
    return changes


async def test_delivery_report_entity_shows_the_latest_line(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
) -> None:
    """A callback triggers the entity once, with its latest line's event data.

    A report can hold 250 lines: the bus events carry every one, the entity shows the
    latest (one state write per callback).
    """
    bus_events = async_capture_events(hass, "sms_get_delivery_report")
    changes = _entity_changes(hass, REPORT_ENTITY)
    await _callback(
        hass,
        client,
        _report(
            f"0912345678|a1|{TIME}|DELIVRD",
            f"0922333444|a2|{TIME}|UNDELIV",
            f"0933444555|a3|{TIME}|EXPIRED",
        ),
    )

    assert [event.data["status"] for event in bus_events] == [
        "DELIVRD",
        "UNDELIV",
        "EXPIRED",
    ]
    assert len(changes) == 1
    attributes = {
        key: value
        for key, value in changes[0].items()
        if key not in ("event_type", "event_types", "friendly_name")
    }
    assert changes[0]["event_type"] == "not_delivered"
    assert attributes == bus_events[-1].data
    state = hass.states.get(REPORT_ENTITY)
    assert state is not None
    assert state.state == dt_util.parse_datetime(NOW).isoformat(timespec="milliseconds")

    # A delivered line triggers the entity as delivered.
    await _callback(hass, client, _report(f"0944555666|a4|{TIME}|DELIVRD"))
    assert [change["event_type"] for change in changes] == [
        "not_delivered",
        "delivered",
    ]

    # A line delivered again does not trigger the entity again.
    await _callback(hass, client, _report(f"0933444555|a3|{TIME}|EXPIRED"))
    assert len(changes) == 2


async def test_reply_entity_mirrors_each_reply(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each reply line triggers the reply entity, in order: each may be acted on."""
    changes = _entity_changes(hass, REPLY_ENTITY)
    await _callback(hass, client, _reply("03 first", "second"))
    assert [(c["event_type"], c["code"], c["text"]) for c in changes] == [
        ("received", "03", "first"),
        ("received", None, "second"),
    ]

    freezer.move_to("2025-06-01T13:10:00+00:00")
    await _callback(
        hass, client, {"content": f"0955666777|x9|{TIME}|{quote('03 晚安')}"}
    )
    state = hass.states.get(REPLY_ENTITY)
    assert state is not None
    assert state.state == "2025-06-01T13:10:00.000+00:00"
    assert state.attributes["event_type"] == "received"
    assert state.attributes["raw_text"] == "03 晚安"
    assert state.attributes["text"] == "晚安"
    assert state.attributes["phone"] == "0955666777"
    assert state.attributes["config_entry_id"] == init_integration.entry_id
    # The delivery-report entity is untouched by replies.
    report = hass.states.get(REPORT_ENTITY)
    assert report is not None
    assert report.state == STATE_UNKNOWN


async def test_entities_after_reload(
    hass: HomeAssistant,
    client: Client,
    init_integration: MockConfigEntry,
) -> None:
    """After a reload the entities keep their last event and follow new callbacks."""
    await _callback(hass, client, _reply("03 before"))
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(REPLY_ENTITY)
    assert state is not None
    assert state.attributes["text"] == "before"

    await _callback(hass, client, _reply("03 after"))
    state = hass.states.get(REPLY_ENTITY)
    assert state is not None
    assert state.attributes["text"] == "after"
