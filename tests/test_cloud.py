"""Home Assistant Cloud: the cloudhook that carries SMS-Get's callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
import logging
from typing import Any
from unittest.mock import AsyncMock, patch
from urllib.parse import quote, urlencode

from homeassistant.components.webhook import async_handle_webhook
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util.aiohttp import MockRequest
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sms_get.const import DOMAIN
from simulator import Simulator

from .conftest import EXTERNAL_URL, PASSWORD, USERNAME, WEBHOOK_ID

CLOUDHOOK_URL = "https://hooks.nabu.casa/xyz"
LOCAL_URL = f"{EXTERNAL_URL}/api/webhook/{WEBHOOK_ID}"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
REPLY = f"0912345678|b1|2025-06-01 21:08:07|{quote('03 好 1+1', safe='')}"


class Cloud:
    """Home Assistant Cloud's functions, faked where the integration calls them."""

    def __init__(self, active: AsyncMock, create: AsyncMock, delete: AsyncMock):
        """Hold the mocks."""
        self.active = active
        self.create = create
        self.delete = delete


@pytest.fixture
def cloud(hass: HomeAssistant) -> Iterator[Cloud]:
    """Home Assistant Cloud loaded, with an active subscription."""
    hass.config.components.add("cloud")
    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            return_value=True,
        ) as active,
        patch(
            "homeassistant.components.cloud.async_create_cloudhook",
            return_value=CLOUDHOOK_URL,
        ) as create,
        patch("homeassistant.components.cloud.async_delete_cloudhook") as delete,
    ):
        yield Cloud(active, create, delete)


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def _options_url(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    return str(placeholders["webhook_url"])


async def test_cloudhook_created_once_and_deleted_on_removal(
    hass: HomeAssistant,
    cloud: Cloud,
    external_url: str,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A subscriber's entry gets one cloudhook, shown everywhere, gone on removal."""
    await _setup(hass, mock_config_entry)
    cloud.create.assert_awaited_once_with(hass, WEBHOOK_ID)
    assert mock_config_entry.data["cloudhook_url"] == CLOUDHOOK_URL
    assert await _options_url(hass, mock_config_entry) == CLOUDHOOK_URL

    # Kept in the entry: a reload (or restart) does not create another.
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    cloud.create.assert_awaited_once()
    assert mock_config_entry.data["cloudhook_url"] == CLOUDHOOK_URL

    cloud.delete.assert_not_called()
    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    cloud.delete.assert_awaited_once_with(hass, WEBHOOK_ID)


async def test_config_flow_shows_cloudhook(
    hass: HomeAssistant, cloud: Cloud, external_url: str, simulator: Simulator
) -> None:
    """The created entry's message names the cloudhook URL to paste."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_USERNAME: USERNAME,
            CONF_PASSWORD: PASSWORD,
            "advanced": {"api_url": simulator.url},
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description_placeholders"] == {"webhook_url": CLOUDHOOK_URL}
    entry = result["result"]
    assert entry.data["cloudhook_url"] == CLOUDHOOK_URL
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    assert len(webhook_id) >= 32
    # Created once, by the flow; the setup that follows keeps it.
    cloud.create.assert_awaited_once_with(hass, webhook_id)
    assert entry.state is ConfigEntryState.LOADED


async def test_config_flow_without_cloud(
    hass: HomeAssistant, external_url: str, simulator: Simulator
) -> None:
    """Without Cloud, the URL to paste is built from the external URL."""
    with patch("homeassistant.components.cloud.async_create_cloudhook") as create:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_USERNAME: USERNAME,
                CONF_PASSWORD: PASSWORD,
                "advanced": {"api_url": simulator.url},
            },
        )
        await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert "cloudhook_url" not in entry.data
    assert result["description_placeholders"] == {
        "webhook_url": f"{EXTERNAL_URL}/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"
    }
    create.assert_not_called()


async def test_without_cloud(
    hass: HomeAssistant, external_url: str, mock_config_entry: MockConfigEntry
) -> None:
    """Without Cloud: the external URL's webhook URL, and nothing to delete."""
    with patch("homeassistant.components.cloud.async_delete_cloudhook") as delete:
        await _setup(hass, mock_config_entry)
        assert "cloudhook_url" not in mock_config_entry.data
        assert await _options_url(hass, mock_config_entry) == LOCAL_URL
        assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    delete.assert_not_called()


async def test_cloud_without_subscription(
    hass: HomeAssistant,
    cloud: Cloud,
    external_url: str,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Cloud loaded but not subscribed: no cloudhook, the external URL."""
    cloud.active.return_value = False
    await _setup(hass, mock_config_entry)
    cloud.create.assert_not_called()
    assert "cloudhook_url" not in mock_config_entry.data
    assert await _options_url(hass, mock_config_entry) == LOCAL_URL

    # Subscribed later: the next setup creates it.
    cloud.active.return_value = True
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    cloud.create.assert_awaited_once_with(hass, WEBHOOK_ID)
    assert await _options_url(hass, mock_config_entry) == CLOUDHOOK_URL


@pytest.mark.parametrize(
    "failure",
    [
        ("not_connected", "Home Assistant Cloud is not connected"),
        (ValueError("Cloud is not connected"), "Could not create"),
        (TimeoutError(), "Could not create"),
    ],
    ids=["not-connected", "value-error", "timeout"],
)
@pytest.mark.usefixtures("external_url")
async def test_cloudhook_creation_fails(
    hass: HomeAssistant,
    cloud: Cloud,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    failure: tuple[Any, str],
) -> None:
    """A cloud failure leaves the entry working on its own URL; a reload retries."""
    error, message = failure
    if error == "not_connected":
        from homeassistant.components.cloud import CloudNotConnected

        error = CloudNotConnected()
    cloud.create.side_effect = error
    with caplog.at_level(logging.WARNING):
        await _setup(hass, mock_config_entry)
    assert message in caplog.text
    assert "cloudhook_url" not in mock_config_entry.data
    assert await _options_url(hass, mock_config_entry) == LOCAL_URL

    cloud.create.side_effect = None
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.data["cloudhook_url"] == CLOUDHOOK_URL
    assert cloud.create.await_count == 2


async def test_removal_when_cloud_is_not_loaded(
    hass: HomeAssistant, external_url: str, entry_data: dict[str, Any]
) -> None:
    """An entry with a cloudhook removed while Cloud is not loaded leaves it be."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=USERNAME,
        unique_id=USERNAME,
        data={**entry_data, "cloudhook_url": CLOUDHOOK_URL},
    )
    with (
        patch("homeassistant.components.cloud.async_create_cloudhook") as create,
        patch("homeassistant.components.cloud.async_delete_cloudhook") as delete,
    ):
        await _setup(hass, entry)
        assert await _options_url(hass, entry) == CLOUDHOOK_URL
        assert await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    create.assert_not_called()
    delete.assert_not_called()


@pytest.mark.parametrize("error", ["not_available", ValueError("Hook not found")])
async def test_cloudhook_already_gone(
    hass: HomeAssistant,
    cloud: Cloud,
    external_url: str,
    mock_config_entry: MockConfigEntry,
    error: Any,
) -> None:
    """Removing an entry whose cloudhook is already gone still removes it."""
    if error == "not_available":
        from homeassistant.components.cloud import CloudNotAvailable

        error = CloudNotAvailable()
    cloud.delete.side_effect = error
    await _setup(hass, mock_config_entry)
    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    cloud.delete.assert_awaited_once_with(hass, WEBHOOK_ID)
    assert hass.config_entries.async_get_entry(mock_config_entry.entry_id) is None


@pytest.mark.parametrize(
    ("core_config", "url"),
    [
        (
            {"internal_url": "http://192.168.1.10:8123"},
            f"http://192.168.1.10:8123/api/webhook/{WEBHOOK_ID}",
        ),
        ({}, f"http://10.10.10.10:8123/api/webhook/{WEBHOOK_ID}"),
    ],
    ids=["internal-url", "local-ip"],
)
async def test_url_without_external_url(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    core_config: dict[str, str],
    url: str,
) -> None:
    """Without an external URL the internal one is shown, else the local address."""
    await async_process_ha_core_config(hass, core_config)
    await _setup(hass, mock_config_entry)
    assert await _options_url(hass, mock_config_entry) == url


async def test_url_when_no_url_is_known(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """With no address known at all, the webhook's path is shown."""
    await _setup(hass, mock_config_entry)
    hass.config.api = None
    assert await _options_url(hass, mock_config_entry) == f"/api/webhook/{WEBHOOK_ID}"


def _cloud_request(
    body: bytes, method: str = "POST", query_string: str = ""
) -> MockRequest:
    """A request as Home Assistant Cloud hands a cloudhook call to the webhook."""
    return MockRequest(
        content=body,
        mock_source="cloud",
        method=method,
        headers=FORM,
        query_string=query_string,
    )


async def test_cloudhook_request(
    hass: HomeAssistant,
    cloud: Cloud,
    external_url: str,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A callback arriving through the cloudhook (a MockRequest) is taken as well."""
    await _setup(hass, mock_config_entry)
    replies = async_capture_events(hass, "sms_get_reply_received")
    reports = async_capture_events(hass, "sms_get_delivery_report")

    body = urlencode({"content": REPLY}).encode()
    response = await async_handle_webhook(hass, WEBHOOK_ID, _cloud_request(body))
    assert response.status == HTTPStatus.OK
    assert response.text == "ok"

    query = urlencode(
        {"sms_id": "59c4e123", "content": "0912345678|a1|2025-06-01 21:08:07|DELIVRD"}
    )
    response = await async_handle_webhook(
        hass, WEBHOOK_ID, _cloud_request(b"", "GET", query)
    )
    assert response.status == HTTPStatus.OK
    assert response.text == "ok"

    response = await async_handle_webhook(hass, WEBHOOK_ID, _cloud_request(b""))
    assert response.status == HTTPStatus.BAD_REQUEST

    # No content_length on a MockRequest: the limit holds all the same.
    response = await async_handle_webhook(
        hass, WEBHOOK_ID, _cloud_request(b"content=" + b"x" * 1024 * 1024)
    )
    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    await hass.async_block_till_done()

    # No two-way code is configured in this entry.
    assert [(e.data["raw_text"], e.data["code"]) for e in replies] == [
        ("03 好 1+1", None)
    ]
    assert [(e.data["message_id"], e.data["delivered"]) for e in reports] == [
        ("59c4e123", True)
    ]
