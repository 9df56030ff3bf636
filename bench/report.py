"""Figures of a benchmark run: a table for people and one JSON line for tools."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import json
import os
from pathlib import Path
from typing import Any

# The in-process harness appends its figures here, one JSON object a line.
RESULTS_ENV = "SMS_GET_BENCH_RESULTS"


@dataclass
class Figure:
    """One measured figure and the target it must meet.

    ``ratio`` is what the target applies to when ``target_kind`` is "ratio_max" or
    "ratio_min"; for "max" the target applies to ``measured`` minus ``floor`` (or to
    ``measured`` when there is no floor).
    """

    key: str
    title: str
    measured: float
    unit: str
    target: float | None
    target_kind: str = "max"  # max | ratio_max | ratio_min | info
    floor: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """measured / floor."""
        if self.floor in (None, 0):
            return None
        assert self.floor is not None
        return self.measured / self.floor

    @property
    def compared(self) -> float | None:
        """The value the target applies to."""
        if self.target_kind in ("ratio_max", "ratio_min"):
            return self.ratio
        if self.target_kind == "max":
            return self.measured - (self.floor or 0.0)
        return None

    @property
    def passed(self) -> bool | None:
        """None for a figure without a target."""
        if self.target is None or self.target_kind == "info":
            return None
        value = self.compared
        if value is None:
            return False
        if self.target_kind == "ratio_min":
            return value >= self.target
        return value <= self.target

    def target_text(self) -> str:
        """The target as a person reads it."""
        if self.target is None or self.target_kind == "info":
            return "-"
        match self.target_kind:
            case "ratio_max":
                return f"ratio <= {self.target:g}"
            case "ratio_min":
                return f"ratio >= {self.target:g}"
        if self.floor is not None:
            return f"+{_num(self.target)} {self.unit}"
        return f"<= {_num(self.target)} {self.unit}"

    def as_json(self) -> dict[str, Any]:
        """Everything, with the derived values."""
        data = asdict(self)
        data["ratio"] = self.ratio
        data["passed"] = self.passed
        return data


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def record(figure: Figure) -> None:
    """Append a figure to the results file of the run (from the harness)."""
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as file:
        file.write(json.dumps(asdict(figure)) + "\n")


def load(path: Path) -> list[Figure]:
    """The figures the harness wrote."""
    if not path.exists():
        return []
    return [
        Figure(**json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def table(figures: list[Figure]) -> str:
    """A fixed-width table: figure, measured, floor, ratio, target, result."""
    rows = [("figure", "measured", "floor", "ratio", "target", "result")]
    for figure in figures:
        verdict = {True: "PASS", False: "FAIL", None: "info"}[figure.passed]
        rows.append(
            (
                f"{figure.key} {figure.title}",
                f"{_num(figure.measured)} {figure.unit}",
                f"{_num(figure.floor)} {figure.unit}"
                if figure.floor is not None
                else "-",
                f"{figure.ratio:.2f}" if figure.ratio is not None else "-",
                figure.target_text(),
                verdict,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(6)]
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(width) if column == 0 else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def json_line(figures: list[Figure], context: dict[str, Any]) -> str:
    """One line with every figure."""
    return json.dumps(
        {
            **context,
            "passed": all(f.passed is not False for f in figures),
            "figures": {f.key: f.as_json() for f in figures},
        },
        sort_keys=True,
    )
