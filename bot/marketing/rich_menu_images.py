"""Rich menu pictures: an uploaded one checked as LINE checks it, or one drawn from a grid of
labelled cells in the shop's colours with a CJK font.

Uploads are untrusted: the size is checked before decoding, the header is read before any pixel
(a decompression bomb is refused by its declared dimensions, never expanded), and only PNG and
JPEG pass. The font is found at run time among the usual Debian / Noto CJK files (fonts-wqy-
microhei, fonts-noto-cjk); with none installed, drawing stops with an error saying which package to
install, instead of drawing boxes where the Chinese should be.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from channels.line.rich_menu_rules import RichMenuError, check_size

MAX_BYTES = 1024 * 1024
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def check_image(data: bytes, width: int, height: int) -> str:
    """The content type of an uploaded menu picture, or RichMenuError saying why LINE would refuse it."""
    if len(data) > MAX_BYTES:
        raise RichMenuError("the picture is {kb} KB; LINE takes at most 1 MB", kb=len(data) // 1024)
    try:
        with Image.open(io.BytesIO(data)) as picture:  # reads the header only
            kind, size = picture.format, picture.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise RichMenuError("not a PNG or JPEG picture ({error})", error=type(exc).__name__) from None
    if kind not in FORMATS:
        raise RichMenuError("a {kind} picture; LINE takes PNG or JPEG", kind=kind)
    check_size(*size)
    if size != (width, height):
        raise RichMenuError("the picture is {w}x{h}; the menu is {width}x{height}", w=size[0], h=size[1], width=width, height=height)
    return FORMATS[kind]


def find_cjk_font() -> Path:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-tw"], capture_output=True, text=True, timeout=10,
                               check=False).stdout.strip()
        if found and Path(found).exists() and "dejavu" not in found.lower():
            return Path(found)
    raise RichMenuError("no Chinese font found: install fonts-wqy-microhei or fonts-noto-cjk (apt-get install fonts-wqy-microhei)")


def draw_grid(width: int, height: int, rows: int, cols: int, labels: Sequence[str], *,
              background: str = "#1f6f5c", foreground: str = "#ffffff", line: str = "#ffffff") -> bytes:
    """A rows x cols grid with each label centred in its cell, as a PNG well under LINE's 1 MB."""
    check_size(width, height)
    font_path = find_cjk_font()
    picture = Image.new("RGB", (width, height), background)
    pen = ImageDraw.Draw(picture)
    cell_w, cell_h = width // cols, height // rows
    font = ImageFont.truetype(str(font_path), size=max(24, min(cell_h // 5, cell_w // 6)))
    for index, label in enumerate(labels[:rows * cols]):
        row, col = divmod(index, cols)
        box = (col * width // cols, row * height // rows, (col + 1) * width // cols, (row + 1) * height // rows)
        pen.rectangle(box, outline=line, width=4)
        centre = ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)
        pen.text(centre, label[:12], fill=foreground, font=font, anchor="mm")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
