"""The status line that tells, at each step in time, what changed."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Chronicle(Static):
    DEFAULT_CSS = """
    Chronicle {
        height: auto;
        max-height: 3;
        width: 100%;
        padding: 0 1;
        background: $boost;
    }
    """

    def say(self, lines: list[str], prefix: str = "") -> None:
        text = Text()
        if prefix:
            text.append(prefix, style="bold")
        if not lines:
            text.append("no change of control on this day", style="dim")
        for i, line in enumerate(lines[:3]):
            if i:
                text.append("\n")
            text.append(line)
        if len(lines) > 3:
            text.append(f"  (+{len(lines) - 3} more)", style="dim")
        self.update(text)
