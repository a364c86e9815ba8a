"""LINE's rules for a rich menu object, as LINE checks them (Messaging API reference, "Rich menu
object"): size, chat bar text, at most 20 areas inside the image, each action's fields.

Here, beside the adapter, because they are LINE's: the stand-in answers 400 with them, and the
console and the picture checks refuse a menu by the same rules before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT, MIN_RATIO = 800, 2500, 250, 1.45
MAX_AREAS, CHAT_BAR_CHARS, LABEL_CHARS, DATA_CHARS, TEXT_CHARS, URI_CHARS = 20, 14, 20, 300, 300, 1000
ALIAS_RE = re.compile(r"^[a-z0-9_-]{1,32}$")
PICKER_MODES = ("date", "time", "datetime")


class RichMenuError(ValueError):
    """A menu LINE would refuse; the message says which part and why.

    Why a template and its fields and not a finished sentence: the console shows the reason in the
    marketer's language, looking `template` up in its catalog (console.po) and filling the fields
    after; `str()` is the English, for logs and the stand-in."""

    def __init__(self, template: str, **fields: object) -> None:
        self.template, self.fields = template, fields
        super().__init__(template.format(**fields))


def check_size(width: int, height: int) -> None:
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise RichMenuError("the width must be {low} to {high} pixels, not {width}", low=MIN_WIDTH, high=MAX_WIDTH, width=width)
    if height < MIN_HEIGHT:
        raise RichMenuError("the height must be at least {low} pixels, not {height}", low=MIN_HEIGHT, height=height)
    if width / height < MIN_RATIO:
        raise RichMenuError("width / height must be at least {low} ({width}x{height} is {ratio})", low=MIN_RATIO, width=width, height=height,
                            ratio=f"{width / height:.2f}")


def check_action(action: Any, number: int) -> None:
    if not isinstance(action, dict):
        raise RichMenuError("area {number}: an action is needed", number=number)
    kind, label = action.get("type"), action.get("label")
    if label is not None and not 1 <= len(str(label)) <= LABEL_CHARS:
        raise RichMenuError("area {number}: a label has 1 to {limit} characters", number=number, limit=LABEL_CHARS)
    if kind in ("postback", "datetimepicker", "richmenuswitch"):
        if not 1 <= len(str(action.get("data") or "")) <= DATA_CHARS:
            raise RichMenuError("area {number}: postback data has 1 to {limit} characters", number=number, limit=DATA_CHARS)
    if kind == "message" and not 1 <= len(str(action.get("text") or "")) <= TEXT_CHARS:
        raise RichMenuError("area {number}: a message has 1 to {limit} characters", number=number, limit=TEXT_CHARS)
    if kind == "uri":
        uri = str(action.get("uri") or "")
        if not uri.startswith(("https://", "http://", "line://", "tel:")) or len(uri) > URI_CHARS:
            raise RichMenuError("area {number}: a link starts with https://, http://, line:// or tel: (at most {limit} characters)",
                                number=number, limit=URI_CHARS)
    if kind == "datetimepicker" and action.get("mode") not in PICKER_MODES:
        raise RichMenuError("area {number}: a date picker's mode is date, time or datetime", number=number)
    if kind == "richmenuswitch" and not ALIAS_RE.match(str(action.get("richMenuAliasId") or "")):
        raise RichMenuError("area {number}: a tab switch names a menu alias (a-z, 0-9, _ and -)", number=number)
    if kind not in ("postback", "message", "uri", "datetimepicker", "richmenuswitch"):
        raise RichMenuError("area {number}: unknown action {kind}", number=number, kind=repr(kind))


def check_areas(width: int, height: int, areas: Sequence[Any]) -> None:
    if not 1 <= len(areas) <= MAX_AREAS:
        raise RichMenuError("a menu has 1 to {limit} areas, not {count}", limit=MAX_AREAS, count=len(areas))
    for number, area in enumerate(areas, 1):
        bounds = area.get("bounds", {}) if isinstance(area, dict) else {}
        x, y, w, h = (bounds.get(key) for key in ("x", "y", "width", "height"))
        if not all(isinstance(v, int) for v in (x, y, w, h)):
            raise RichMenuError("area {number}: bounds are whole numbers", number=number)
        assert isinstance(x, int) and isinstance(y, int) and isinstance(w, int) and isinstance(h, int)
        if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > width or y + h > height:
            raise RichMenuError("area {number}: ({x}, {y}, {w}x{h}) is outside the {width}x{height} image", number=number, x=x, y=y, w=w, h=h,
                                width=width, height=height)
        check_action(area.get("action"), number)


def check_menu(width: int, height: int, chat_bar_text: str, areas: Sequence[Any]) -> None:
    """Everything LINE checks in a rich menu object, with our words for what is wrong."""
    check_size(width, height)
    if not 1 <= len(chat_bar_text) <= CHAT_BAR_CHARS:
        raise RichMenuError("the chat bar text has 1 to {limit} characters", limit=CHAT_BAR_CHARS)
    check_areas(width, height, areas)
