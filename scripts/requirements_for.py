"""Print the requirements of the core integrations a development Home Assistant loads.

pytest-homeassistant-custom-component installs Home Assistant's core only; a real `hass`
process also needs the frontend and what its integrations require, or it starts in
recovery mode or installs them at startup.
"""

from __future__ import annotations

import json
from pathlib import Path

import homeassistant

# The top-level integrations of config/configuration.yaml and of the end-to-end test.
DOMAINS = (
    "frontend",
    "config",
    "automation",
    "script",
    "logbook",
    "history",
    "onboarding",
    # The tests fake Home Assistant Cloud, whose modules import camera's.
    "cloud",
    "camera",
)
COMPONENTS = Path(homeassistant.__file__).parent / "components"


def main() -> None:
    seen: set[str] = set()
    todo = list(DOMAINS)
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
