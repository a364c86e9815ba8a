"""Turning an email body into what the customer actually wrote: decode the declared charset, turn
HTML into text, cut the quoted reply and the signature.

Why our own decoding: mail that says `gb2312` or `big5` is routinely written by clients that use
the wider code pages (GBK/GB18030, Big5 with the Microsoft and HKSCS extensions), and a strict
decoder turns a customer's name into replacement characters. The declared charset is tried as the
superset first; only bytes that fit nothing become U+FFFD, and nothing raises. Mail that declares
nothing (RFC 6532 raw UTF-8 headers, old clients' raw Big5/GBK/Shift_JIS) or declares wrongly
(UTF-16 labelled UTF-8) is recognised from its bytes: see `decode_unlabelled` and `_utf16`.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from html.parser import HTMLParser

# Declared charset -> the superset real clients write in.
CHARSET_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030", "cp936": "gb18030",
    "big5": "cp950", "big-5": "cp950", "x-x-big5": "cp950", "big5-hkscs": "big5hkscs",
    "ks_c_5601-1987": "cp949", "iso-8859-1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8",
    "shift_jis": "cp932", "iso-2022-jp": "iso2022_jp_ext", "utf8": "utf-8",
}


# Where a message declares nothing (raw 8-bit headers, a body without a charset) or declares
# wrongly, these are the charsets the customers we serve write in: Taiwan, China, Japan.
DETECT_CANDIDATES = ("cp950", "big5hkscs", "gb18030", "cp932")
# Characters that real text in these languages (almost) never holds, but a wrong guess produces:
# C0 controls, halfwidth katakana (how Big5 reads as Shift_JIS), the private use area, U+FFFD.
IMPLAUSIBLE = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f\uff61-\uff9f\ue000-\uf8ff\ufffd]")
ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
ENCODED_WORD_GAP = re.compile(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)")


def _superset(charset: str) -> str:
    name = charset.strip().strip('"').split("*", 1)[0].lower()
    return CHARSET_SUPERSETS.get(name, name)


def decode_bytes(data: bytes, charset: str | None, hints: tuple[str, ...] = ()) -> str:
    """Decode a body (or header) never failing.

    UTF-16 first when the bytes say so (a BOM, or NUL in every other byte: Windows tools write
    UTF-16 and label it UTF-8). Then the declared charset as its superset (and Big5-HKSCS for
    Big5). When nothing is declared, or the declaration does not fit the bytes, the order of
    `decode_unlabelled` applies; bytes that fit nothing become U+FFFD."""
    declared = (charset or "").strip().strip('"').lower()
    if not declared.startswith(("utf-16", "utf-32", "utf16", "utf32")):
        utf16 = _utf16(data)
        if utf16 is not None:
            return utf16
    if not declared:
        return decode_unlabelled(data, hints)
    candidates = [_superset(declared)]
    if declared == "big5":
        candidates.append("big5hkscs")
    for name in candidates:
        try:
            return data.decode(name).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_unlabelled(data, hints, fallback=candidates[0])


def decode_unlabelled(data: bytes, hints: tuple[str, ...] = (), fallback: str = "utf-8") -> str:
    """Bytes whose charset nobody told us (RFC 6532 raw headers, old clients' raw Big5/GBK/SJIS).

    The order, because short text (a subject, a name) is too short for statistics alone:
    1. UTF-8, strictly: RFC 6532 mail and every modern client; other charsets rarely pass by chance.
    2. The charsets the message declares elsewhere (`hints`, e.g. its body's `charset=big5`): an
       old client writes its headers in the same code page as its body.
    3. charset-normalizer's ranking, restricted to DETECT_CANDIDATES (Big5/CP950, GB18030,
       Shift_JIS/CP932): it separates them by which characters are common in each language.
    4. DETECT_CANDIDATES in order.
    A candidate must decode strictly and read as plausible text (see IMPLAUSIBLE); if none does,
    the strict decoding with the fewest implausible characters (when under a quarter of it),
    else `fallback` with U+FFFD for what fits nothing."""
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        pass
    names = [_superset(h) for h in hints if h] + _detected(data) + list(DETECT_CANDIDATES)
    strict: list[str] = []
    for name in dict.fromkeys(n for n in names if n not in ("utf-8", "us-ascii", "ascii")):
        try:
            text = data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        if not IMPLAUSIBLE.search(text):
            return text
        strict.append(text)
    best = min(strict, key=lambda t: len(IMPLAUSIBLE.findall(t)), default=None)
    if best is not None and len(IMPLAUSIBLE.findall(best)) * 4 < len(best):
        return best
    try:
        return data.decode(fallback, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _detected(data: bytes) -> list[str]:
    """charset-normalizer's guesses among the CJK candidates, best first ([] if it has none)."""
    try:
        from charset_normalizer import from_bytes

        matches = from_bytes(data[:20000], cp_isolation=["cp950", "big5", "gb18030", "cp932", "shift_jis"])
        return [_superset(m.encoding) for m in matches]
    except Exception:  # a detector must never cost the message
        return []


def _utf16(data: bytes) -> str | None:
    """The text of UTF-16 bytes, recognised by their BOM or by NUL in every other byte (what
    ASCII and Latin text look like in UTF-16); None when the bytes are not UTF-16."""
    if len(data) > 2 and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    pairs = len(data) // 2
    if pairs < 2:
        return None
    even_nul, odd_nul = data[0::2].count(0), data[1::2].count(0)
    if odd_nul >= pairs / 4 and even_nul == 0:
        encoding = "utf-16-le"
    elif even_nul >= pairs / 4 and odd_nul == 0:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data[: pairs * 2].decode(encoding)
    except UnicodeDecodeError:
        return None


def header_text(raw: str, hints: tuple[str, ...] = ()) -> str:
    """A header as the email parser hands it over, unfolded, with raw 8-bit bytes (which the
    parser keeps as `\\udcxx` surrogates) decoded as `decode_unlabelled` does. RFC 2047 encoded
    words are left as they are: decoding them first could turn a name into address syntax."""
    unfolded = re.sub(r"\r?\n(?=[ \t])", "", raw).replace("\r", "").replace("\n", "")
    if unfolded.isascii():
        return unfolded
    data = unfolded.encode("utf-8", "surrogateescape")  # real text stays UTF-8; surrogates become their bytes
    return decode_unlabelled(data, hints)


def decode_words(text: str) -> str:
    """RFC 2047 encoded words (`=?gb2312?B?...?=`) decoded with the same supersets as bodies;
    whitespace between adjacent words dropped, runs of whitespace made one space."""
    text = ENCODED_WORD_GAP.sub(r"\1", text)
    return re.sub(r"\s+", " ", ENCODED_WORD.sub(_decode_word, text)).strip()


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.groups()
    try:
        if encoding.lower() == "b":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = quopri.decodestring(payload.encode("ascii", "replace"), header=True)
    except (ValueError, binascii.Error):
        return match.group(0)
    return decode_bytes(data, charset)


def decode_header_value(raw: str, hints: tuple[str, ...] = ()) -> str:
    """A header's text: raw 8-bit bytes decoded (see `header_text`), then its encoded words."""
    return decode_words(header_text(raw, hints))


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
