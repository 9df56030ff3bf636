"""Print the requirements of the core integrations a development Home Assistant loads.

pytest-homeassistant-custom-component installs Home Assistant's core only; a real `hass`
process also needs the frontend and what its integrations require, or it starts in
recovery mode or installs them at startup.
"""

from __future__ import annotations

import json
from pathlib import Path

import homeassistant
from homeassistant import bootstrap

# The top-level integrations of config/configuration.yaml and of the end-to-end test.
DOMAINS = (
    "frontend",
    "config",
    "automation",
    "script",
    "logbook",
    "history",
    "onboarding",
    # Assist over SMS hands replies to the conversation agent.
    "conversation",
    # The tests fake Home Assistant Cloud, whose modules import camera's.
    "cloud",
    "camera",
    # Onboarding's core_config step sets these up.
    "met",
    "radio_browser",
    "google_translate",
)
# What every Home Assistant loads by itself (the 2026 frontend waits for all of it).
ALWAYS = (*bootstrap.CORE_INTEGRATIONS, *bootstrap.DEFAULT_INTEGRATIONS)
COMPONENTS = Path(homeassistant.__file__).parent / "components"


def main() -> None:
    seen: set[str] = set()
    todo = [*DOMAINS, *ALWAYS]
    requirements: list[str] = []
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        manifest = json.loads((COMPONENTS / domain / "manifest.json").read_text())
        requirements.extend(manifest.get("requirements", []))
        todo.extend(manifest.get("dependencies", []))
    print("\n".join(sorted(set(requirements))))


if __name__ == "__main__":
    main()
