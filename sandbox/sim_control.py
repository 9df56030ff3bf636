"""The simulator's control API, as the sandbox and the end-to-end test use it."""

from __future__ import annotations

import aiohttp

from .errors import SandboxError


async def _post(session: aiohttp.ClientSession, url: str, payload: object) -> None:
    async with session.post(url, json=payload) as response:
        answer = await response.json()
    if not answer.get("ok"):
        raise SandboxError(f"The simulator refused {payload}: {answer.get('error')}")


async def set_callback_urls(
    session: aiohttp.ClientSession,
    simulator_url: str,
    username: str,
    password: str,
    url: str | None,
) -> None:
    """Set both callback URLs of a simulator account, as on SMS-Get's settings page."""
    async with session.post(
        f"{simulator_url}/sim/settings",
        json={
            "username": username,
            "password": password,
            "delivery_url": url,
            "twoway_url": url,
        },
    ) as response:
        answer = await response.json()
    # Not the payload in the message: it holds the password.
    if not answer.get("ok"):
        raise SandboxError(f"The simulator refused the callback URLs: {answer}")


async def set_auto_answer(
    session: aiohttp.ClientSession,
    simulator_url: str,
    phone: str,
    text: str,
    delay: float,
    *,
    with_code: bool = True,
) -> None:
    """Make the simulator's phone answer every two-way message it gets."""
    await _post(
        session,
        f"{simulator_url}/sim/answers",
        {"phone": phone, "text": text, "delay": delay, "with_code": with_code},
    )
