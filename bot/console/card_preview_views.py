"""`/console/cards/preview`: the member card as customers see it on LINE, and a box where a
marketer pastes Flex JSON to see it drawn and checked before using it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for

from bot import code_images
from bot.console import security
from bot.console.card_preview import SAMPLE_CODE, image_src, read_pasted, sample_member_card
from bot.console.views import form_text, runtime

cards = Blueprint("cards", __name__)


@cards.route("/cards/preview", methods=["GET", "POST"])
@security.allow("broadcasts")
def preview() -> Any:
    settings = runtime().settings
    language = request.args.get("language", "zh-TW") if request.args.get("language") in ("zh-TW", "en", "zh-CN") else "zh-TW"
    member = sample_member_card(language, settings.shop.name)
    secret = settings.web.secret_key
    pictures = {f"/codes/{kind}/{SAMPLE_CODE}": url_for("codes.code_image", kind=kind,
                                                         token=code_images.token(secret, kind, SAMPLE_CODE))
                for kind in code_images.KINDS}
    pasted, problem, raw = None, None, ""
    if request.method == "POST":
        raw = form_text("flex", 40_000)
        pasted, problem = read_pasted(raw)
    return render_template("console/cards_preview.html", member=member, pasted=pasted, problem=problem, raw=raw,
                           language=language, src=lambda url: image_src(url, pictures))
