"""What the sandbox raises when Home Assistant or the simulator lets it down."""

from __future__ import annotations


class SandboxError(Exception):
    """Home Assistant or the simulator did not do what the sandbox needs."""


class HassCommandError(SandboxError):
    """A websocket command answered with an error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
