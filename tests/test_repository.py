"""The repository as HACS and contributors find it: hacs.json, releases, changelog."""

from __future__ import annotations

import json
from pathlib import Path
import re
import shutil

import pytest
import yaml

from scripts import set_version

ROOT = Path(__file__).parent.parent
MANIFEST = json.loads(
    (ROOT / "custom_components/sms_get/manifest.json").read_text(encoding="utf-8")
)
# HACS's hacs.json schema (hacs/integration, custom_components/hacs/utils/validate.py).
HACS_KEYS = {
    "content_in_root": bool,
    "country": list,
    "filename": str,
    "hacs": str,
    "hide_default_branch": bool,
    "homeassistant": str,
    "persistent_directory": str,
    "render_readme": bool,
    "zip_release": bool,
    "name": str,
}


def read(path: str) -> str:
    """Return a file of the repository."""
    return (ROOT / path).read_text(encoding="utf-8")


def test_hacs_json() -> None:
    """hacs.json has only keys HACS knows, and asks for the release zip."""
    hacs = json.loads(read("hacs.json"))
    assert set(hacs) <= set(HACS_KEYS)
    for key, value in hacs.items():
        assert isinstance(value, HACS_KEYS[key]), key
    assert hacs["name"] == MANIFEST["name"]
    assert hacs["homeassistant"] == "2025.4.0"
    assert hacs["country"] == ["TW"]
    assert hacs["render_readme"] is True
    assert hacs["zip_release"] is True
    assert hacs["filename"] == "sms_get.zip"


def test_release_workflow_builds_the_file_hacs_installs() -> None:
    """The release workflow zips the integration under hacs.json's filename."""
    workflow = yaml.safe_load(read(".github/workflows/release.yml"))
    # PyYAML reads the key `on` as True.
    assert workflow[True]["push"]["tags"] == ["v*"]
    steps = workflow["jobs"]["release"]["steps"]
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert "scripts/set_version.py" in scripts
    assert (
        f'zip -r -X "$GITHUB_WORKSPACE/{json.loads(read("hacs.json"))["filename"]}"'
        in (scripts)
    )
    zip_step = next(step for step in steps if "zip -r" in step.get("run", ""))
    assert zip_step["working-directory"] == "custom_components/sms_get"


def test_actions_are_pinned() -> None:
    """Every action a workflow uses is pinned to a full commit SHA."""
    for path in sorted((ROOT / ".github/workflows").glob("*.yml")):
        for uses in re.findall(r"uses:\s*(\S+)", path.read_text(encoding="utf-8")):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), (path, uses)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the files the release script changes or reads."""
    (tmp_path / "custom_components/sms_get").mkdir(parents=True)
    shutil.copy(
        ROOT / "custom_components/sms_get/manifest.json",
        tmp_path / "custom_components/sms_get/manifest.json",
    )
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2027-01-02\n\n### Added\n\n"
        "- Something new.\n\n## [1.1.0] - 2026-12-24\n\n- Older.\n\n"
        "[Unreleased]: https://example.com/compare\n[1.2.0]: https://example.com/1.2.0\n",
        encoding="utf-8",
    )
    return tmp_path


def test_set_version_from_tag(checkout: Path) -> None:
    """The tag sets the manifest's version and only that; the notes are its section."""
    manifest = checkout / "custom_components/sms_get/manifest.json"
    before = manifest.read_text(encoding="utf-8")
    notes = checkout / "notes.md"

    assert set_version.main(["v1.2.0", "--notes", str(notes)], root=checkout) == 0

    after = manifest.read_text(encoding="utf-8")
    assert json.loads(after) == {**json.loads(before), "version": "1.2.0"}
    assert after.replace(
        '"version": "1.2.0"', f'"version": "{MANIFEST["version"]}"'
    ) == (before)
    assert notes.read_text(encoding="utf-8") == "### Added\n\n- Something new.\n"


@pytest.mark.parametrize("tag", ["1.2.0", "v1.2", "v1.2.0-beta", "release-1.2.0"])
def test_set_version_refuses_other_tags(
    checkout: Path, tag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tag that is not vX.Y.Z changes nothing."""
    manifest = checkout / "custom_components/sms_get/manifest.json"
    before = manifest.read_text(encoding="utf-8")

    assert set_version.main([tag], root=checkout) == 1

    assert "is not a release tag" in capsys.readouterr().err
    assert manifest.read_text(encoding="utf-8") == before


def test_set_version_needs_a_changelog_section(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A release without its changelog section is refused before anything changes."""
    manifest = checkout / "custom_components/sms_get/manifest.json"
    before = manifest.read_text(encoding="utf-8")

    assert set_version.main(["v1.3.0b1", "--notes", "n.md"], root=checkout) == 1

    assert "no section '## [1.3.0b1]'" in capsys.readouterr().err
    assert manifest.read_text(encoding="utf-8") == before


def test_changelog() -> None:
    """The changelog has an Unreleased section and one for the manifest's version."""
    changelog = read("CHANGELOG.md")
    assert "## [Unreleased]" in changelog
    assert f"## [{MANIFEST['version']}] - " in changelog
    assert set_version.release_notes(ROOT, MANIFEST["version"]).strip()


def test_licence() -> None:
    """The MIT licence, named in the README."""
    licence = read("LICENSE")
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 The sms_get authors\n")
    assert "## Licence\n\nMIT: see [LICENSE](LICENSE)" in read("README.md")


def test_devcontainer() -> None:
    """The development container sets up the environment and forwards the sandbox."""
    text = "\n".join(
        line
        for line in read(".devcontainer.json").splitlines()
        if not line.startswith("//")
    )
    container = json.loads(text)
    assert container["image"].startswith("mcr.microsoft.com/devcontainers/python:3.14")
    assert container["postCreateCommand"] == "scripts/setup"
    assert container["forwardPorts"] == [8123, 8099]
    assert "scripts/develop" in read(".devcontainer.json")
