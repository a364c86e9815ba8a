"""The rich menu editor's grid: cells written as `label | kind:value`, laid out as areas that
cover the picture exactly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from channels.line.rich_menu_rules import LABEL_CHARS, PICKER_MODES, RichMenuError


def parse_cell(line: str) -> tuple[str, dict[str, Any]]:
    """A grid cell as the editor writes it: `label | kind:value`, where kind is postback, message,
    uri, date / time / datetime (a picker whose postback data is the value) or switch (a tab: the
    value is the alias of the menu to show)."""
    label, bar, spec = line.partition("|")
    label, spec = label.strip(), spec.strip()
    if not bar or not label or ":" not in spec:
        raise RichMenuError("{line}: write a cell as 'label | kind:value'", line=repr(line.strip()[:40]))
    kind, _, value = spec.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    action: dict[str, Any]
    if kind == "postback":
        action = {"type": "postback", "data": value, "displayText": label}
    elif kind == "message":
        action = {"type": "message", "text": value}
    elif kind == "uri":
        action = {"type": "uri", "uri": value}
    elif kind in PICKER_MODES:
        action = {"type": "datetimepicker", "data": value, "mode": kind}
    elif kind == "switch":
        action = {"type": "richmenuswitch", "richMenuAliasId": value, "data": f"menu:{value}"}
    else:
        raise RichMenuError("{label}: unknown kind {kind} (postback, message, uri, date, time, datetime, switch)", label=repr(label), kind=repr(kind))
    action["label"] = label[:LABEL_CHARS]
    return label, action


def grid_areas(width: int, height: int, rows: int, cols: int, actions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Areas of a rows x cols grid filled left to right, top to bottom; the last cell of each row
    and column takes the remainder, so the grid covers the image exactly."""
    areas = []
    for index, action in enumerate(actions[:rows * cols]):
        row, col = divmod(index, cols)
        x, y = col * width // cols, row * height // rows
        areas.append({"bounds": {"x": x, "y": y, "width": (col + 1) * width // cols - x, "height": (row + 1) * height // rows - y},
                      "action": action})
    return areas
