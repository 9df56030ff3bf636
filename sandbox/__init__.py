"""Drive a real Home Assistant and the SMS-Get simulator as processes.

Shared by scripts/develop (the development sandbox) and tests/e2e (the end-to-end
test), so both start, onboard and configure Home Assistant the same way.

config.py prepares Home Assistant's configuration directory, process.py starts and
stops the processes, rest.py and websocket.py are Home Assistant's APIs as the
frontend uses them, sim_control.py the simulator's control API, demo.py what the
sandbox sets up to show, and develop.py the sandbox of scripts/develop itself.
"""

from .config import CONFIG_TEMPLATE, LANGUAGES, ROOT, hass_url, prepare_config
from .errors import HassCommandError, SandboxError
from .process import (
    ManagedProcess,
    free_port,
    port_in_use,
    start_hass,
    start_simulator,
    wait_until_up,
)
from .rest import HassClient
from .sim_control import set_auto_answer, set_callback_urls
from .websocket import HassWebSocket

__all__ = [
    "CONFIG_TEMPLATE",
    "LANGUAGES",
    "ROOT",
    "HassClient",
    "HassCommandError",
    "HassWebSocket",
    "ManagedProcess",
    "SandboxError",
    "free_port",
    "hass_url",
    "port_in_use",
    "prepare_config",
    "set_auto_answer",
    "set_callback_urls",
    "start_hass",
    "start_simulator",
    "wait_until_up",
]
