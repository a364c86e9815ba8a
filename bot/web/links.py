"""`GET /l/<token>`: a tracked link from a journey message (`bot.crm.journeys.links`).

Public by necessity (the customer's phone opens it, without a login). The token is signed and the
address it goes to is read from the journey's own definition, so only links we sent redirect, and
only to where the message pointed; anything else gets a 404 page, never a redirect. The click is
recorded in this request's transaction, before the redirect.
"""

from __future__ import annotations

import html
from typing import Any

from flask import Blueprint, current_app, redirect

from bot.crm.journeys.links import click
from models import utcnow

links = Blueprint("links", __name__)

NOT_FOUND = """<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>{title}</title></head><body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>此連結無效 / This link is not valid.</h1><p>請回到訊息中重新點選。<br>Please open it again from the message.</p>
</body></html>""".format(title=html.escape("Link not found"))
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


@links.get("/l/<token>")
def follow(token: str) -> Any:
    runtime = current_app.extensions["bot"]
    with runtime.sessions.begin() as session:
        found = click(session, runtime.settings, token, utcnow())
    if found is None:
        return NOT_FOUND, 404, {**HEADERS, "Content-Type": "text/html; charset=utf-8"}
    response = redirect(found.url, 302)
    response.headers.update(HEADERS)
    return response
