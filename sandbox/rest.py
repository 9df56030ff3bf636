"""Home Assistant's REST API as the frontend uses it: onboarding, login, flows."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from .errors import HassCommandError, SandboxError
from .websocket import HassWebSocket

# The onboarding steps after the user's, in the frontend's order.
_ONBOARDING_STEPS = ("core_config", "analytics", "integration")


class HassClient:
    """Home Assistant's REST API as the frontend uses it, with one access token."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        # Home Assistant's auth takes any URL as the client ID of an app.
        self.client_id = f"{self.base_url}/"
        self.redirect_uri = f"{self.base_url}/?auth_callback=1"

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        auth: bool = True,
        ok: Sequence[int] = (200, 201),
    ) -> Any:
        """One API call; its JSON answer, or SandboxError on an unexpected status."""
        headers = {}
        if auth:
            if self.token is None:
                raise SandboxError("Not logged in to Home Assistant")
            headers["Authorization"] = f"Bearer {self.token}"
        async with self.session.request(
            method, f"{self.base_url}{path}", json=json, data=data, headers=headers
        ) as response:
            text = await response.text()
            if response.status not in ok:
                raise SandboxError(
                    f"{method} {path} answered {response.status}: {text[:500]}"
                )
            if response.content_type == "application/json" and text:
                return await response.json()
            return text

    # --- onboarding and login ----------------------------------------------------

    async def onboarding_status(self) -> dict[str, bool]:
        """Which onboarding steps are done; empty once onboarding is over.

        An onboarded Home Assistant no longer serves /api/onboarding (404).
        """
        steps = await self.request("GET", "/api/onboarding", auth=False, ok=(200, 404))
        if not isinstance(steps, list):
            return {}
        return {step["step"]: step["done"] for step in steps}

    async def _token(self, code: str) -> None:
        answer = await self.request(
            "POST",
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
            auth=False,
        )
        self.token = answer["access_token"]

    async def onboard(
        self, name: str, username: str, password: str, language: str = "en"
    ) -> bool:
        """Finish onboarding with an owner account; log in as it either way.

        Returns True when this call created the account, False when it existed.
        """
        done = await self.onboarding_status()
        created = False
        if not done.get("user", True):
            answer = await self.request(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": self.client_id,
                    "name": name,
                    "username": username,
                    "password": password,
                    "language": language,
                },
                auth=False,
            )
            await self._token(answer["auth_code"])
            created = True
        else:
            await self.login(username, password)
        for step in _ONBOARDING_STEPS:
            if done.get(step, True):
                continue
            body = (
                {"client_id": self.client_id, "redirect_uri": self.redirect_uri}
                if step == "integration"
                else {}
            )
            await self.request("POST", f"/api/onboarding/{step}", json=body)
        return created

    async def login(self, username: str, password: str) -> None:
        """Log in through the login flow of the Home Assistant auth provider."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.redirect_uri,
            },
            auth=False,
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={
                "client_id": self.client_id,
                "username": username,
                "password": password,
            },
            auth=False,
        )
        if result.get("type") != "create_entry":
            raise SandboxError(
                f"Home Assistant refused the login of {username!r}: {result}"
            )
        await self._token(result["result"])

    async def wait_running(self, within: float = 90) -> None:
        """Wait until Home Assistant has started (its API answers well before)."""
        async with asyncio.timeout(within):
            while True:
                config = await self.request("GET", "/api/config")
                # Home Assistant 2025.4 and 2026 both report their core state here.
                if config.get("state") == "RUNNING":
                    return
                await asyncio.sleep(0.2)

    # --- states and config entries -----------------------------------------------

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        """Return the state object of an entity, None when it has none."""
        answer = await self.request("GET", f"/api/states/{entity_id}", ok=(200, 404))
        return answer if isinstance(answer, dict) and "state" in answer else None

    async def config_entries(self, domain: str) -> list[dict[str, Any]]:
        """Return the config entries of a domain."""
        entries: list[dict[str, Any]] = await self.request(
            "GET", f"/api/config/config_entries/entry?domain={domain}"
        )
        return entries

    async def start_flow(
        self, handler: str, entry_id: str | None = None
    ) -> dict[str, Any]:
        """Start a config flow, as Add integration does; with entry_id, Reconfigure."""
        body = {"handler": handler}
        if entry_id is not None:
            body["entry_id"] = entry_id
        result: dict[str, Any] = await self.request(
            "POST", "/api/config/config_entries/flow", json=body
        )
        return result

    async def abort_flow(self, flow_id: str) -> None:
        """Close a config flow's form without submitting it."""
        await self.request("DELETE", f"/api/config/config_entries/flow/{flow_id}")

    async def flow_step(self, flow_id: str, user_input: Any) -> dict[str, Any]:
        """Submit a config flow's form."""
        result: dict[str, Any] = await self.request(
            "POST", f"/api/config/config_entries/flow/{flow_id}", json=user_input
        )
        return result

    async def start_options_flow(self, entry_id: str) -> dict[str, Any]:
        """Open an entry's options, as its Configure button does."""
        result: dict[str, Any] = await self.request(
            "POST",
            "/api/config/config_entries/options/flow",
            json={"handler": entry_id},
        )
        return result

    async def options_flow_step(self, flow_id: str, user_input: Any) -> dict[str, Any]:
        """Submit an options flow's form."""
        result: dict[str, Any] = await self.request(
            "POST",
            f"/api/config/config_entries/options/flow/{flow_id}",
            json=user_input,
        )
        return result

    async def abort_options_flow(self, flow_id: str) -> None:
        """Close an options form without saving, as its X does."""
        await self.request(
            "DELETE", f"/api/config/config_entries/options/flow/{flow_id}"
        )

    async def start_subentry_flow(
        self, entry_id: str, subentry_type: str, subentry_id: str | None = None
    ) -> dict[str, Any]:
        """Add a subentry as the entry's Add button does; with subentry_id, edit it."""
        body: dict[str, Any] = {"handler": [entry_id, subentry_type]}
        if subentry_id is not None:
            body["subentry_id"] = subentry_id
        result: dict[str, Any] = await self.request(
            "POST", "/api/config/config_entries/subentries/flow", json=body
        )
        return result

    async def subentry_flow_step(self, flow_id: str, user_input: Any) -> dict[str, Any]:
        """Submit a subentry flow's form."""
        result: dict[str, Any] = await self.request(
            "POST",
            f"/api/config/config_entries/subentries/flow/{flow_id}",
            json=user_input,
        )
        return result

    async def abort_subentry_flow(self, flow_id: str) -> None:
        """Close a subentry form without saving."""
        await self.request(
            "DELETE", f"/api/config/config_entries/subentries/flow/{flow_id}"
        )

    async def webhook_url(self, entry_id: str) -> str:
        """Return the callback URL an entry's options form shows."""
        form = await self.start_options_flow(entry_id)
        await self.abort_options_flow(form["flow_id"])
        return str(form["description_placeholders"]["webhook_url"])

    # --- websocket --------------------------------------------------------------

    async def websocket(self) -> HassWebSocket:
        """Connect and authenticate a websocket."""
        if self.token is None:
            raise SandboxError("Not logged in to Home Assistant")
        return await HassWebSocket.connect(self.session, self.base_url, self.token)

    async def promote_http_config(self) -> None:
        """Confirm the YAML http settings, where Home Assistant asks for it.

        Home Assistant 2026 tries http settings from YAML as a trial and moves back
        to its defaults after five minutes unless they are confirmed. Older lines
        do not know the command, and a confirmed config has nothing to promote.
        """
        async with await self.websocket() as ws:
            try:
                await ws.command("http/config/promote")
            except HassCommandError as err:
                if err.code not in ("unknown_command", "not_allowed"):
                    raise
