"""Config flow of the SMS-Get integration."""

from __future__ import annotations

from collections.abc import Mapping
import secrets
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME, CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    ConversationAgentSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from . import client
from .const import (
    CONF_ADVANCED,
    CONF_API_URL,
    CONF_ASSIST,
    CONF_ASSIST_ANSWER_SEGMENTS,
    CONF_CLOUDHOOK_URL,
    CONF_CONVERSATION_AGENT,
    CONF_DAILY_POINT_LIMIT,
    CONF_LOW_CREDIT_THRESHOLD,
    CONF_MAX_POINTS_PER_SEND,
    CONF_PHONE,
    CONF_TWO_WAY_CODE,
    DEFAULT_ASSIST_ANSWER_SEGMENTS,
    DEFAULT_CONVERSATION_AGENT,
    DEFAULT_LOW_CREDIT_THRESHOLD,
    DOMAIN,
    LOGGER,
    MAX_ASSIST_ANSWER_SEGMENTS,
    SUBENTRY_RECIPIENT,
)
from .provider import (
    DEFAULT_BASE_URL,
    InvalidPhoneNumberError,
    SmsGetAuthenticationError,
    SmsGetConnectionError,
    SmsGetIpNotAllowedError,
    SmsGetOutcomeUnknownError,
    SmsGetResponseError,
    normalize,
)
from .schema import vol
from .webhook import async_create_cloudhook, async_webhook_url

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def _user_schema(username: str = "", api_url: str = DEFAULT_BASE_URL) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_USERNAME, default=username): str,
            vol.Required(CONF_PASSWORD): _PASSWORD,
            vol.Required(CONF_ADVANCED): section(
                vol.Schema({vol.Optional(CONF_API_URL, default=api_url): _URL}),
                {"collapsed": True},
            ),
        }
    )


class SmsGetConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up an SMS-Get account."""

    VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Recipients are subentries."""
        return {SUBENTRY_RECIPIENT: RecipientSubentryFlow}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Two-way code and low-credit threshold."""
        return SmsGetOptionsFlow()

    async def _async_check(self, data: dict[str, Any]) -> dict[str, str]:
        """Query the credit once; return form errors keyed by base."""
        try:
            await client.create_client(self.hass, data).query_credit()
        except SmsGetAuthenticationError:
            return {"base": "invalid_auth"}
        except SmsGetIpNotAllowedError:
            return {"base": "ip_not_allowed"}
        except (
            SmsGetConnectionError,
            SmsGetOutcomeUnknownError,
            SmsGetResponseError,
        ):
            return {"base": "cannot_connect"}
        except Exception:  # noqa: BLE001  # a flow must never crash on a surprise
            LOGGER.exception("Unexpected error while checking SMS-Get credentials")
            return {"base": "unknown"}
        return {}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the account and check it."""
        errors: dict[str, str] = {}
        username, api_url = "", DEFAULT_BASE_URL
        if user_input is not None:
            username = user_input[CONF_USERNAME].strip()
            api_url = client.api_url(user_input.get(CONF_ADVANCED, {}))
            await self.async_set_unique_id(username)
            self._abort_if_unique_id_configured()
            data = {
                CONF_USERNAME: username,
                CONF_PASSWORD: user_input[CONF_PASSWORD],
                CONF_API_URL: api_url,
            }
            errors = await self._async_check(data)
            if not errors:
                webhook_id = secrets.token_hex(32)
                data[CONF_WEBHOOK_ID] = webhook_id
                if url := await async_create_cloudhook(self.hass, webhook_id):
                    data[CONF_CLOUDHOOK_URL] = url
                return self.async_create_entry(
                    title=username,
                    data=data,
                    description_placeholders={
                        "webhook_url": async_webhook_url(self.hass, data)
                    },
                )
        return self.async_show_form(
            step_id="user",
            data_schema=_user_schema(username, api_url),
            errors=errors,
        )

    @callback
    def _async_save_and_reload(
        self, entry: ConfigEntry, data_updates: dict[str, Any], reason: str
    ) -> ConfigFlowResult:
        """Save the new credentials and reload the entry once.

        The entry's update listeners apply options and recipients in place and never
        reload, so the reload is this flow's alone.
        """
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, **data_updates}
        )
        self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_abort(reason=reason)

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """SMS-Get refused the password."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_check(
                {**entry.data, CONF_PASSWORD: user_input[CONF_PASSWORD]}
            )
            if not errors:
                return self._async_save_and_reload(
                    entry,
                    {CONF_PASSWORD: user_input[CONF_PASSWORD]},
                    "reauth_successful",
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD}),
            errors=errors,
            description_placeholders={"username": entry.data[CONF_USERNAME]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the credentials or the API URL in place."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        username = entry.data[CONF_USERNAME]
        api_url = client.api_url(entry.data)
        if user_input is not None:
            username = user_input[CONF_USERNAME].strip()
            api_url = client.api_url(user_input.get(CONF_ADVANCED, {}))
            await self.async_set_unique_id(username)
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            errors = await self._async_check(
                {
                    CONF_USERNAME: username,
                    CONF_PASSWORD: user_input[CONF_PASSWORD],
                    CONF_API_URL: api_url,
                }
            )
            if not errors:
                return self._async_save_and_reload(
                    entry,
                    {CONF_PASSWORD: user_input[CONF_PASSWORD], CONF_API_URL: api_url},
                    "reconfigure_successful",
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_user_schema(username, api_url),
            errors=errors,
        )


_COUNT = NumberSelector(NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX))
_LIMITS = (CONF_LOW_CREDIT_THRESHOLD, CONF_DAILY_POINT_LIMIT, CONF_MAX_POINTS_PER_SEND)
_OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_TWO_WAY_CODE): TextSelector(),
        vol.Required(
            CONF_LOW_CREDIT_THRESHOLD, default=DEFAULT_LOW_CREDIT_THRESHOLD
        ): _COUNT,
        vol.Required(CONF_DAILY_POINT_LIMIT, default=0): _COUNT,
        vol.Required(CONF_MAX_POINTS_PER_SEND, default=0): _COUNT,
        vol.Required(
            CONF_CONVERSATION_AGENT, default=DEFAULT_CONVERSATION_AGENT
        ): ConversationAgentSelector(),
        vol.Required(
            CONF_ASSIST_ANSWER_SEGMENTS, default=DEFAULT_ASSIST_ANSWER_SEGMENTS
        ): NumberSelector(
            NumberSelectorConfig(
                min=1,
                max=MAX_ASSIST_ANSWER_SEGMENTS,
                step=1,
                mode=NumberSelectorMode.SLIDER,
            )
        ),
    }
)


class SmsGetOptionsFlow(OptionsFlow):
    """Options that take effect at once."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the webhook URL; ask for the two-way code, limits and Assist."""
        errors: dict[str, str] = {}
        if user_input is not None:
            code = str(user_input.get(CONF_TWO_WAY_CODE) or "").strip()
            if code and not code.isdigit():
                errors[CONF_TWO_WAY_CODE] = "invalid_two_way_code"
            errors.update(
                (key, "negative_number") for key in _LIMITS if user_input[key] < 0
            )
            if not errors:
                return self.async_create_entry(
                    data={
                        CONF_TWO_WAY_CODE: code,
                        **{key: int(user_input[key]) for key in _LIMITS},
                        CONF_CONVERSATION_AGENT: user_input[CONF_CONVERSATION_AGENT],
                        CONF_ASSIST_ANSWER_SEGMENTS: int(
                            user_input[CONF_ASSIST_ANSWER_SEGMENTS]
                        ),
                    }
                )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                _OPTIONS_SCHEMA, user_input or self.config_entry.options
            ),
            errors=errors,
            description_placeholders={
                "webhook_url": async_webhook_url(
                    self.hass, dict(self.config_entry.data)
                )
            },
        )


class RecipientSubentryFlow(ConfigSubentryFlow):
    """A person the household texts often."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add a recipient."""
        return await self._async_step("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a recipient."""
        return await self._async_step("reconfigure", user_input)

    async def _async_step(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        current = self._get_reconfigure_subentry() if step_id == "reconfigure" else None
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            try:
                phone = normalize(user_input[CONF_PHONE])
            except InvalidPhoneNumberError:
                errors[CONF_PHONE] = "invalid_phone_number"
            else:
                taken = any(
                    subentry.unique_id == phone.number
                    and (current is None or subentry.subentry_id != current.subentry_id)
                    for subentry in entry.subentries.values()
                )
                if taken:
                    errors[CONF_PHONE] = "already_configured"
                elif not name:
                    errors[CONF_NAME] = "empty_name"
                else:
                    data = {
                        CONF_NAME: name,
                        CONF_PHONE: phone.number,
                        CONF_ASSIST: bool(user_input.get(CONF_ASSIST, False)),
                    }
                    if current is None:
                        return self.async_create_entry(
                            title=name, data=data, unique_id=phone.number
                        )
                    return self.async_update_and_abort(
                        entry,
                        current,
                        title=name,
                        data=data,
                        unique_id=phone.number,
                    )
        suggested = user_input or (dict(current.data) if current else {})
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): str,
                vol.Required(CONF_PHONE): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.TEL)
                ),
                vol.Required(CONF_ASSIST, default=False): BooleanSelector(),
            }
        )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )
