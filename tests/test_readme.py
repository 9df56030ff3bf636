"""README.zh-Hant.md follows README.md section by section."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
import re

import pytest

ROOT = Path(__file__).parent.parent
REPOSITORY = "https://github.com/sms-get-ha/sms_get/blob/main"
FENCE = re.compile(r"^(`{3,}|~{3,})(\S*)")
HEADING = re.compile(r"^(#{1,6}) \S")


@dataclass
class Structure:
    """What a translation must keep of a Markdown document."""

    headings: list[int] = field(default_factory=list)
    code_blocks: list[str] = field(default_factory=list)
    tables: list[int] = field(default_factory=list)


def structure(text: str) -> Structure:
    """Return the heading levels, code block languages and table sizes, in order."""
    found = Structure()
    fence: str | None = None
    in_table = False
    for line in text.splitlines():
        if fence is not None:
            if line.startswith(fence):
                fence = None
            continue
        if match := FENCE.match(line):
            fence = match[1]
            found.code_blocks.append(match[2])
            in_table = False
            continue
        if line.startswith("|"):
            if not in_table:
                found.tables.append(0)
                in_table = True
            found.tables[-1] += 1
            continue
        in_table = False
        if match := HEADING.match(line):
            found.headings.append(len(match[1]))
    assert fence is None, "a code block is not closed"
    return found


def read(name: str) -> str:
    """Return a file of the repository."""
    return (ROOT / name).read_text(encoding="utf-8")


def test_structure_reads_markdown() -> None:
    """Headings inside code blocks are not headings; tables are counted by rows."""
    text = (
        "# Title\n\n## A\n\n```bash\n# a comment\n```\n\n| a | b |\n| --- | --- |\n"
        "| 1 | 2 |\n\ntext\n\n### B\n\n| c |\n| --- |\n"
    )
    assert structure(text) == Structure(
        headings=[1, 2, 3], code_blocks=["bash"], tables=[3, 2]
    )


@pytest.mark.parametrize(
    ("part", "what"),
    [
        ("headings", "heading levels, in order"),
        ("code_blocks", "code blocks (by language), in order"),
        ("tables", "tables (by number of rows), in order"),
    ],
)
def test_translation_has_the_same_structure(part: str, what: str) -> None:
    """Every section, code block and table of README.md is in README.zh-Hant.md."""
    english = getattr(structure(read("README.md")), part)
    chinese = getattr(structure(read("README.zh-Hant.md")), part)
    assert chinese == english, (
        f"README.zh-Hant.md no longer follows README.md: its {what} differ "
        f"({len(chinese)} against {len(english)}). Translate the changed sections of "
        "README.md into README.zh-Hant.md (Traditional Chinese, as used in Taiwan)."
    )


def test_readmes_link_to_each_other() -> None:
    """Each README links to the other near its top."""
    english = read("README.md").splitlines()[:10]
    chinese = read("README.zh-Hant.md").splitlines()[:10]
    assert f"**English** | [繁體中文]({REPOSITORY}/README.zh-Hant.md)" in english
    assert f"[English]({REPOSITORY}/README.md) | **繁體中文**" in chinese
