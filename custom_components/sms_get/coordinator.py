"""Credit coordinator of the SMS-Get integration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    CONF_LOW_CREDIT_THRESHOLD,
    CREDIT_INTERVAL,
    DEFAULT_LOW_CREDIT_THRESHOLD,
    DOMAIN,
    ISSUE_IP_NOT_ALLOWED,
    ISSUE_LOW_CREDIT,
    LOGGER,
    TOP_UP_URL,
)
from .provider import (
    SmsGetAuthenticationError,
    SmsGetClient,
    SmsGetError,
    SmsGetIpNotAllowedError,
)

if TYPE_CHECKING:
    from homeassistant.components.notify.legacy import BaseNotificationService

type SmsGetConfigEntry = ConfigEntry[SmsGetData]


@dataclass
class SmsGetData:
    """What a loaded entry holds."""

    client: SmsGetClient
    coordinator: SmsGetCoordinator
    notify_service: BaseNotificationService | None = None


class SmsGetCoordinator(DataUpdateCoordinator[int]):
    """Keeps the account's remaining points."""

    config_entry: SmsGetConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: SmsGetConfigEntry, client: SmsGetClient
    ) -> None:
        """Poll the credit every 30 minutes."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {client.username}",
            update_interval=CREDIT_INTERVAL,
        )
        self.client = client

    async def _async_update_data(self) -> int:
        try:
            credit = await self.client.query_credit()
        except SmsGetAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except SmsGetError as err:
            self.async_provider_failed(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.async_provider_succeeded()
        self.async_check_low_credit(credit.points)
        return credit.points

    @callback
    def async_set_credit(self, points: int) -> None:
        """Take the remaining points from a send's answer."""
        self.async_provider_succeeded()
        self.async_check_low_credit(points)
        self.async_set_updated_data(points)

    @callback
    def async_provider_failed(self, err: Exception) -> None:
        """Start reauthentication on 005 and raise the IP repair on 006."""
        if isinstance(err, SmsGetAuthenticationError):
            self.config_entry.async_start_reauth(self.hass)
        elif isinstance(err, SmsGetIpNotAllowedError):
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id(ISSUE_IP_NOT_ALLOWED),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_IP_NOT_ALLOWED,
                translation_placeholders={"username": self.client.username},
            )

    @callback
    def async_provider_succeeded(self) -> None:
        """Any accepted request proves the IP is allowed again."""
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(ISSUE_IP_NOT_ALLOWED))

    @callback
    def async_check_low_credit(self, points: int) -> None:
        """Raise or clear the low-credit repair against the current threshold."""
        threshold = self.config_entry.options.get(
            CONF_LOW_CREDIT_THRESHOLD, DEFAULT_LOW_CREDIT_THRESHOLD
        )
        issue_id = self._issue_id(ISSUE_LOW_CREDIT)
        if points < threshold:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_LOW_CREDIT,
                translation_placeholders={
                    "username": self.client.username,
                    "credit": str(points),
                    "threshold": str(threshold),
                    "url": TOP_UP_URL,
                },
                learn_more_url=TOP_UP_URL,
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    def _issue_id(self, issue: str) -> str:
        return f"{issue}_{self.config_entry.entry_id}"
