"""What the sandbox sets up: an account, a recipient, a porch light, a language.

Each step is done through Home Assistant's REST and websocket APIs, as a user would
in the UI, and only when it is not done yet, so later runs keep what the user changed.
"""

from __future__ import annotations

from typing import Any, Final

from .errors import HassCommandError, SandboxError
from .rest import HassClient

DOMAIN: Final = "sms_get"

# The simulator's account, in memory: it starts with these points on every run.
SIM_USERNAME: Final = "demo"
SIM_PASSWORD: Final = "demo-pass"  # noqa: S105
SIM_POINTS: Final = 1000
TWO_WAY_CODE: Final = "03"

# A person trusted with Assist over SMS.
RECIPIENT_NAME: Final = "Grandma"
RECIPIENT_PHONE: Final = "0912345678"
RECIPIENT_TYPE: Final = "recipient"

# Someone the simulator answers for: sms_get.ask to this phone gets "03 1".
ANSWERING_PHONE: Final = "0987654321"
ANSWERING_TEXT: Final = "1"
ANSWERING_DELAY: Final = 5.0

# In config/configuration.yaml; its Chinese name lets Assist find it in zh-Hant.
PORCH_LIGHT: Final = "input_boolean.porch_light"
PORCH_LIGHT_ALIAS: Final = "門廊燈"


def _field(fields: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """Return a field of a flow's form (or section), as the frontend receives it."""
    return next((field for field in fields if field["name"] == name), None)


async def add_entry(client: HassClient, api_url: str) -> tuple[str, str]:
    """Add the simulator's account as Add integration does: (entry ID, webhook URL)."""
    form = await client.start_flow(DOMAIN)
    result = await client.flow_step(
        form["flow_id"],
        {
            "username": SIM_USERNAME,
            "password": SIM_PASSWORD,
            "advanced": {"api_url": api_url},
        },
    )
    if result.get("type") != "create_entry":
        raise SandboxError(f"Adding the SMS-Get entry failed: {result}")
    entry_id = str(result["result"]["entry_id"])
    options = await client.start_options_flow(entry_id)
    await client.options_flow_step(
        options["flow_id"],
        {"two_way_code": TWO_WAY_CODE, "low_credit_threshold": 50},
    )
    print(
        f"==> Added SMS-Get account {SIM_USERNAME!r} (two-way code"
        f" {TWO_WAY_CODE}) against the simulator",
        flush=True,
    )
    return entry_id, str(result["description_placeholders"]["webhook_url"])


async def point_at_simulator(client: HassClient, entry_id: str, api_url: str) -> None:
    """Reconfigure the entry when the simulator's port changed since its setup."""
    form = await client.start_flow(DOMAIN, entry_id=entry_id)
    advanced = _field(form["data_schema"], "advanced")
    current = _field(advanced["schema"], "api_url") if advanced else None
    if current is not None and current.get("default") == api_url:
        await client.abort_flow(form["flow_id"])
        return
    result = await client.flow_step(
        form["flow_id"],
        {
            "username": SIM_USERNAME,
            "password": SIM_PASSWORD,
            "advanced": {"api_url": api_url},
        },
    )
    if result.get("reason") != "reconfigure_successful":
        raise SandboxError(f"Pointing the entry at the simulator failed: {result}")
    print(f"==> Pointed the SMS-Get entry at the simulator on {api_url}", flush=True)


async def ensure_recipient(client: HassClient, entry_id: str) -> None:
    """Add Grandma with Assist on, or turn Assist on for her, as the UI does."""
    async with await client.websocket() as ws:
        subentries = await ws.command(
            "config_entries/subentries/list", entry_id=entry_id
        )
    existing = next(
        (item for item in subentries if item["unique_id"] == RECIPIENT_PHONE), None
    )
    data: dict[str, Any] = {"name": RECIPIENT_NAME, "phone": RECIPIENT_PHONE}
    if existing is None:
        form = await client.start_subentry_flow(entry_id, RECIPIENT_TYPE)
        # An integration without Assist over SMS has no such field.
        if _field(form["data_schema"], "assist") is not None:
            data["assist"] = True
        result = await client.subentry_flow_step(form["flow_id"], data)
        if result.get("type") != "create_entry":
            raise SandboxError(f"Adding the recipient failed: {result}")
        print(
            f"==> Added recipient {RECIPIENT_NAME} ({RECIPIENT_PHONE}),"
            f" assist {'on' if 'assist' in data else 'unknown to this integration'}",
            flush=True,
        )
        return
    form = await client.start_subentry_flow(
        entry_id, RECIPIENT_TYPE, existing["subentry_id"]
    )
    assist = _field(form["data_schema"], "assist")
    if assist is None or assist.get("description", {}).get("suggested_value"):
        await client.abort_subentry_flow(form["flow_id"])
        return
    # Added by a sandbox older than Assist over SMS: turn it on for her.
    data["name"] = existing["title"]
    result = await client.subentry_flow_step(form["flow_id"], {**data, "assist": True})
    if result.get("reason") != "reconfigure_successful":
        raise SandboxError(f"Turning on Assist for the recipient failed: {result}")
    print(f"==> Turned on Assist over SMS for {existing['title']}", flush=True)


async def expose_porch_light(client: HassClient) -> None:
    """Expose the porch light to Assist, with a name Assist finds in Chinese too."""
    async with await client.websocket() as ws:
        await ws.command(
            "homeassistant/expose_entity",
            assistants=["conversation"],
            entity_ids=[PORCH_LIGHT],
            should_expose=True,
        )
        try:
            entity = await ws.command(
                "config/entity_registry/get", entity_id=PORCH_LIGHT
            )
            # Kept as they are: from Home Assistant 2026 a None among them stands
            # for the entity's own name, which Assist would otherwise forget.
            aliases = list(entity.get("aliases") or [])
            if PORCH_LIGHT_ALIAS not in aliases:
                await ws.command(
                    "config/entity_registry/update",
                    entity_id=PORCH_LIGHT,
                    aliases=[*aliases, PORCH_LIGHT_ALIAS],
                )
        except HassCommandError as err:
            # Without the alias only the Chinese sentences miss it.
            print(f"==> Could not name the porch light in Chinese: {err}", flush=True)


async def set_user_language(client: HassClient, language: str) -> None:
    """Make the logged-in user's profile language the sandbox's language."""
    async with await client.websocket() as ws:
        await ws.command(
            "frontend/set_user_data", key="language", value={"language": language}
        )
