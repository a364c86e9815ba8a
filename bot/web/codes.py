"""`GET /codes/<kind>/<token>.png`: the picture of a member or coupon code, for LINE's Flex cards
and email. Public by necessity (LINE's servers fetch it), so the token is signed and checked before
anything is drawn; an unsigned or altered one gets 404, as if nothing were there."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app

from bot import code_images

codes = Blueprint("codes", __name__)


@codes.get("/codes/<kind>/<token>.png")
def code_image(kind: str, token: str) -> Any:
    settings = current_app.extensions["bot"].settings
    code = code_images.read_token(settings.web.secret_key, kind, token)
    if code is None or not code.isascii() or not code.isprintable():  # our codes are; Code 128 draws no other
        abort(404)
    # private: a shared cache must not keep a picture that opens a member's account
    return code_images.png(kind, code), 200, {"Content-Type": "image/png", "Cache-Control": "private, max-age=86400",
                                              "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
