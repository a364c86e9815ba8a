"""Pictures of codes (a member code, a coupon code) as a QR code or a Code 128 barcode, and the
signed addresses our own server serves them from.

Why our own server: LINE shows an image in a Flex card only by an HTTPS address, and a code that
opens a member's account or redeems a coupon must not go to a third-party QR service. Why signed:
the address names the code, so it must be unguessable and unforgeable; an HMAC over the kind and
the code (the web secret key) is checked before anything is drawn.

QR codes come from `segno` (pure Python, PNG without Pillow); barcodes from `python-barcode`
with its Pillow writer, Code 128 because it carries letters and digits and every till scanner
reads it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
from dataclasses import replace

from barcode import Code128  # type: ignore[import-untyped]  # python-barcode ships no types
from barcode.writer import ImageWriter  # type: ignore[import-untyped]

from bot.events import Card
from channels.card_text import qr_png
from channels.email.tokens import signing_secret

KINDS = ("qr", "barcode")
MAX_CODE_CHARS = 64
SIGNATURE_CHARS = 26  # 130 bits of base32


def _signature(secret_key: str, kind: str, code: str) -> str:
    digest = hmac.new(signing_secret(secret_key), f"code-image:{kind}:{code}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:SIGNATURE_CHARS]


def token(secret_key: str, kind: str, code: str) -> str:
    """`<code, base32>.<signature>`: what the image's address carries."""
    encoded = base64.b32encode(code.encode()).decode().lower().rstrip("=")
    return f"{encoded}.{_signature(secret_key, kind, code)}"


def read_token(secret_key: str, kind: str, value: str) -> str | None:
    """The code a token names, or None when it is malformed or not signed by us."""
    encoded, _, signature = value.partition(".")
    if kind not in KINDS or not encoded or len(encoded) > 2 * MAX_CODE_CHARS:
        return None
    try:
        code = base64.b32decode(encoded.upper() + "=" * (-len(encoded) % 8)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return code if hmac.compare_digest(_signature(secret_key, kind, code), signature.lower()) else None


def image_url(public_url: str, secret_key: str, kind: str, code: str) -> str | None:
    """The absolute address of a code's picture, or None when the service has no HTTPS address
    (LINE refuses any other; the card then shows the code as text)."""
    if not public_url.startswith("https://"):
        return None
    return f"{public_url.rstrip('/')}/codes/{kind}/{token(secret_key, kind, code)}.png"


def with_code_images(card: Card, public_url: str, secret_key: str) -> Card:
    """The card with the addresses of its code's pictures filled in, as its `code_kind` asks."""
    if not card.code:
        return card
    qr = image_url(public_url, secret_key, "qr", card.code) if "qr" in card.code_kind else None
    bar = image_url(public_url, secret_key, "barcode", card.code) if "barcode" in card.code_kind else None
    return replace(card, qr_url=qr, barcode_url=bar)


def barcode_png(code: str) -> bytes:
    buffer = io.BytesIO()
    Code128(code, writer=ImageWriter()).write(buffer, options={"module_height": 12.0, "font_size": 8,
                                                                "text_distance": 4.0, "quiet_zone": 4.0})
    return buffer.getvalue()


def png(kind: str, code: str) -> bytes:
    if kind == "qr":
        return qr_png(code)
    if kind == "barcode":
        return barcode_png(code)
    raise ValueError(f"unknown code image kind {kind!r}")
