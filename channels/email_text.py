"""Turning an email body into what the customer actually wrote: decode the declared charset, turn
HTML into text, cut the quoted reply and the signature.

Why our own decoding: mail that says `gb2312` or `big5` is routinely written by clients that use
the wider code pages (GBK/GB18030, Big5 with the Microsoft and HKSCS extensions), and a strict
decoder turns a customer's name into replacement characters. The declared charset is tried as the
superset first; only bytes that fit nothing become U+FFFD, and nothing raises.
"""

from __future__ import annotations

import re
from email.header import decode_header
from html.parser import HTMLParser

# Declared charset -> the superset real clients write in.
CHARSET_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030", "cp936": "gb18030",
    "big5": "cp950", "big-5": "cp950", "x-x-big5": "cp950", "big5-hkscs": "big5hkscs",
    "ks_c_5601-1987": "cp949", "iso-8859-1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8",
    "shift_jis": "cp932", "iso-2022-jp": "iso2022_jp_ext", "utf8": "utf-8",
}


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset (as its superset), then Big5-HKSCS and UTF-8, never failing."""
    declared = (charset or "utf-8").strip().strip('"').lower()
    candidates = [CHARSET_SUPERSETS.get(declared, declared)]
    if declared == "big5":
        candidates.append("big5hkscs")
    candidates.append("utf-8")
    for name in candidates:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode(candidates[0], errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def decode_header_value(raw: str) -> str:
    """An RFC 2047 header (`=?gb2312?B?...?=`) decoded with the same supersets as bodies."""
    try:
        words = decode_header(raw)
    except (ValueError, LookupError):
        return raw
    parts = [decode_bytes(value, charset) if isinstance(value, bytes) else value for value, charset in words]
    return re.sub(r"\s+", " ", "".join(parts)).strip()


class _TextExtractor(HTMLParser):
    """Visible text of an HTML body, with line breaks where blocks end. Scripts and styles dropped."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote",
              "hr", "section", "article", "header", "footer"}
    HIDDEN = {"script", "style", "head", "title", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag == "blockquote":
            self._quote_depth += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        elif tag == "blockquote" and self._quote_depth:
            self._quote_depth -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        text = re.sub(r"[ \t\r\n\f]+", " ", data)
        if self._quote_depth:  # quoted history in HTML mail becomes quoted text, which is cut below
            self.parts.append("\n> " + text.strip() + "\n" if text.strip() else "")
        else:
            self.parts.append(text)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [line.strip() for line in "".join(extractor.parts).replace("\xa0", " ").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Lines that start the quoted history of a reply, in the clients our customers use.
QUOTE_HEADERS = [
    re.compile(r"^On .{5,200} wrote:\s*$"),                                   # Gmail, Apple Mail (en)
    re.compile(r"^.{0,120}(於|在).{2,160}(寫道|写道)\s*[:：]\s*$"),          # Gmail zh-TW / zh-CN
    re.compile(r"^-{2,}\s*(Original Message|原始郵件|原始邮件|Forwarded message|轉寄的郵件)\s*-{2,}\s*$", re.I),
    re.compile(r"^_{10,}\s*$"),                                                # Outlook's separator line
    re.compile(r"^(From|寄件者|发件人)\s*[:：].+$"),                           # Outlook's header block
]
SIGNATURE_STARTS = [
    re.compile(r"^--\s*$"),                                                    # RFC 3676 "-- " and the bare "--"
    re.compile(r"^(Sent from my|Get Outlook for|從我的|发自我的|從我的 iPhone 傳送|傳送自).{0,40}$", re.I),
]


def strip_quoted(text: str) -> str:
    """What the customer wrote above the quoted history and their signature."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">"):
            # A quoted block ends the new text once something has been written above it.
            if any(k.strip() for k in kept):
                break
            continue
        if any(pattern.match(stripped) for pattern in QUOTE_HEADERS + SIGNATURE_STARTS):
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()
