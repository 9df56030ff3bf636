"""Drive a real Home Assistant and the SMS-Get simulator as processes.

Shared by scripts/develop (the development sandbox) and tests/e2e (the end-to-end
test), so both start, onboard and configure Home Assistant the same way.
"""

from .hass import (
    CONFIG_TEMPLATE,
    ROOT,
    HassClient,
    HassCommandError,
    HassWebSocket,
    ManagedProcess,
    SandboxError,
    free_port,
    port_in_use,
    prepare_config,
    set_callback_urls,
    start_hass,
    start_simulator,
    wait_until_up,
)

__all__ = [
    "CONFIG_TEMPLATE",
    "ROOT",
    "HassClient",
    "HassCommandError",
    "HassWebSocket",
    "ManagedProcess",
    "SandboxError",
    "free_port",
    "port_in_use",
    "prepare_config",
    "set_callback_urls",
    "start_hass",
    "start_simulator",
    "wait_until_up",
]
