"""The SMS-Get client of an account, made alike for setup and the config flow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import CONF_API_URL
from .provider import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, SmsGetClient


def api_url(data: Mapping[str, Any]) -> str:
    """Return the API URL of entry data, SMS-Get's own when none is set."""
    return str(data.get(CONF_API_URL) or DEFAULT_BASE_URL)


def create_client(
    hass: HomeAssistant, data: Mapping[str, Any], *, timeout: float = DEFAULT_TIMEOUT
) -> SmsGetClient:
    """Create a client of the account in entry data, on Home Assistant's session."""
    return SmsGetClient(
        async_get_clientsession(hass),
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        base_url=api_url(data),
        timeout=timeout,
    )
