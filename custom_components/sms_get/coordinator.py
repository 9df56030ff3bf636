"""Credit coordinator of the SMS-Get integration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
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
    entry_issue_id,
)
from .provider import (
    SmsGetAuthenticationError,
    SmsGetClient,
    SmsGetError,
    SmsGetIpNotAllowedError,
)

if TYPE_CHECKING:
    from .asks import AskManager

type SmsGetConfigEntry = ConfigEntry[SmsGetData]


@dataclass
class SmsGetData:
    """What a loaded entry holds."""

    client: SmsGetClient
    coordinator: SmsGetCoordinator
    asks: AskManager


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

    async def async_config_entry_first_refresh(self) -> None:
        """Query the credit at setup; when that fails, say why in the entry's state."""
        try:
            await super().async_config_entry_first_refresh()
        except ConfigEntryNotReady as err:
            # Home Assistant 2025 raises it without the reason our refresh gave.
            failure = self.last_exception
            if err.translation_key is None and isinstance(failure, UpdateFailed):
                raise ConfigEntryNotReady(
                    translation_domain=failure.translation_domain,
                    translation_key=failure.translation_key,
                    translation_placeholders=failure.translation_placeholders,
                ) from failure
            raise

    async def _async_update_data(self) -> int:
        try:
            credit = await self.client.query_credit()
        except SmsGetError as err:
            raise self._update_error(err) from err
        self.async_provider_succeeded()
        self.async_check_low_credit(credit.points)
        return credit.points

    def _update_error(self, err: SmsGetError) -> ConfigEntryAuthFailed | UpdateFailed:
        """Return the translated error of a failed credit query."""
        if isinstance(err, SmsGetAuthenticationError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            )
        self.async_provider_failed(err)
        if self.config_entry.state is not ConfigEntryState.SETUP_IN_PROGRESS:
            key = "update_failed"
        elif isinstance(err, SmsGetIpNotAllowedError):
            # What to do about it, rather than the provider's words.
            return UpdateFailed(
                translation_domain=DOMAIN, translation_key="setup_ip_not_allowed"
            )
        else:
            key = "setup_failed"
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"error": str(err)},
        )

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
        return entry_issue_id(issue, self.config_entry.entry_id)
