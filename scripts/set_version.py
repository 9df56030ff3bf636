"""Set the integration's version from a release tag, and print that release's notes.

    python scripts/set_version.py v0.2.0 [--notes NOTES.md]

The release workflow runs it on a tag `vX.Y.Z` (or `vX.Y.ZbN`, `vX.Y.ZrcN`): the
manifest's `version` becomes `X.Y.Z`, and `--notes` writes the CHANGELOG.md section of
that version, which must exist (a release without its changelog entry is refused).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import re
import sys

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path("custom_components/sms_get/manifest.json")
CHANGELOG = Path("CHANGELOG.md")
TAG = re.compile(r"v(?P<version>\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)")


class ReleaseError(Exception):
    """A tag or changelog that cannot make a release."""


def version_from_tag(tag: str) -> str:
    """Return the version a release tag names."""
    if not (match := TAG.fullmatch(tag)):
        raise ReleaseError(
            f"Tag {tag!r} is not a release tag: use vX.Y.Z (or vX.Y.ZbN, vX.Y.ZrcN)."
        )
    return match["version"]


def set_manifest_version(root: Path, version: str) -> None:
    """Write the version into the manifest, changing nothing else in the file."""
    path = root / MANIFEST
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(
        r'("version":\s*)"[^"]*"', rf'\g<1>"{version}"', text, count=1
    )
    if count != 1 or json.loads(text)["version"] != version:
        raise ReleaseError(f"{MANIFEST} has no version to set.")
    path.write_text(text, encoding="utf-8")


def release_notes(root: Path, version: str) -> str:
    """Return the body of the version's section of CHANGELOG.md."""
    text = (root / CHANGELOG).read_text(encoding="utf-8")
    heading = re.compile(rf"^## \[{re.escape(version)}\].*$", re.MULTILINE)
    if not (start := heading.search(text)):
        raise ReleaseError(
            f"CHANGELOG.md has no section '## [{version}]': move the Unreleased "
            "entries under it before tagging."
        )
    following = re.compile(r"^## ", re.MULTILINE).search(text, start.end())
    body = text[start.end() : following.start() if following else None]
    # Link definitions at the end of the file are not part of the notes.
    body = re.sub(r"^\[[^\]]+\]: \S+$", "", body, flags=re.MULTILINE)
    return body.strip() + "\n"


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="the release tag, such as v0.2.0")
    parser.add_argument("--notes", type=Path, help="write the release notes here")
    args = parser.parse_args(argv)
    try:
        version = version_from_tag(args.tag)
        notes = release_notes(root, version) if args.notes else None
        set_manifest_version(root, version)
    except ReleaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if notes is not None:
        args.notes.write_text(notes, encoding="utf-8")
    print(f"sms_get {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
