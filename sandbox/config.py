"""Home Assistant's configuration directory for the sandbox and the end-to-end test."""

from __future__ import annotations

import json
from pathlib import Path
import shutil
from typing import Final

from .errors import SandboxError

ROOT: Final = Path(__file__).resolve().parent.parent
CONFIG_TEMPLATE: Final = ROOT / "config" / "configuration.yaml"
HOST: Final = "127.0.0.1"

# config/configuration.yaml reads these (!env_var), with 8123 and English as defaults.
ENV_HA_PORT: Final = "SMS_GET_HA_PORT"
ENV_HA_URL: Final = "SMS_GET_HA_URL"
ENV_LANGUAGE: Final = "SMS_GET_LANGUAGE"
LANGUAGES: Final = ("en", "zh-Hant")

# Onboarding's steps after the owner's. Their core_config step sets up Radio Browser,
# Met.no, Google Translate and Shopping list, none of which the sandbox needs (and
# which fail without internet), and configuration.yaml already holds what it asks.
_ONBOARDING_DONE: Final = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config", "analytics", "integration"]},
}


def hass_url(port: int) -> str:
    """Return the loopback URL of a Home Assistant on port."""
    return f"http://{HOST}:{port}"


def prepare_config(config_dir: Path, template: Path = CONFIG_TEMPLATE) -> None:
    """Make config_dir a Home Assistant configuration that loads this integration.

    Copies configuration.yaml when config_dir is not the repository's own config/,
    and links custom_components to the repository's, so the code under test is the
    code Home Assistant runs. A new configuration leaves only the owner's step of
    onboarding to do.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    target = config_dir / "configuration.yaml"
    if target.resolve() != template.resolve():
        shutil.copyfile(template, target)
    link = config_dir / "custom_components"
    source = ROOT / "custom_components"
    if link.is_symlink():
        if link.resolve() != source.resolve():
            link.unlink()
    elif link.exists():
        raise SandboxError(
            f"{link} is a directory; remove it so the sandbox can link {source}"
        )
    if not link.is_symlink():
        link.symlink_to(source, target_is_directory=True)
    storage = config_dir / ".storage"
    storage.mkdir(exist_ok=True)
    # Home Assistant 2026 copies the YAML http settings into .storage/http once and
    # ignores the YAML from then on. Forgetting that copy makes the port of every
    # start come from configuration.yaml (and so from SMS_GET_HA_PORT).
    (storage / "http").unlink(missing_ok=True)
    if not (storage / "auth").exists() and not (storage / "onboarding").exists():
        (storage / "onboarding").write_text(
            json.dumps(_ONBOARDING_DONE), encoding="utf-8"
        )
