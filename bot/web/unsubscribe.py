"""The one-click unsubscribe endpoint for marketing email (RFC 8058).

POST opts out: mail providers send `List-Unsubscribe=One-Click` to the URL in our
`List-Unsubscribe` header, and the page's own button posts the same. GET only shows a page with
that button, because link scanners and previews fetch every URL in a mail and must never
unsubscribe anyone. The address comes from an HMAC-signed token; nothing redirects anywhere.
The opt-out is stored in the inbox in this request's transaction and handled like Telegram's
/stop, so every opt-out lands in the same consent record.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

from flask import Blueprint, current_app, request

from bot import pipeline
from bot.events import Inbound
from channels.email.tokens import read_unsubscribe_token, signing_secret
from models import utcnow

unsubscribe = Blueprint("unsubscribe", __name__)

PAGE = """<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>{title}</title></head><body style="font-family:sans-serif;max-width:32em;margin:3em auto">{body}</body></html>"""


def _page(status: int, title: str, body: str) -> Any:
    return PAGE.format(title=html.escape(title), body=body), status, {
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _address() -> str | None:
    runtime = current_app.extensions["bot"]
    return read_unsubscribe_token(signing_secret(runtime.settings.web.secret_key), request.args.get("t", ""))


@unsubscribe.get("/email/unsubscribe")
def confirm_page() -> Any:
    address = _address()
    if address is None:
        return _page(400, "Invalid link", "<h1>This unsubscribe link is not valid.</h1><p>連結無效。</p>")
    token = html.escape(request.args.get("t", ""), quote=True)
    return _page(200, "Unsubscribe", f"""<h1>取消訂閱 / Unsubscribe</h1>
<p>停止寄送行銷郵件到 <strong>{html.escape(address)}</strong>？<br>Stop marketing email to this address?</p>
<form method="post" action="?t={token}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">確認取消訂閱 / Unsubscribe</button></form>""")


@unsubscribe.post("/email/unsubscribe")
def opt_out() -> Any:
    address = _address()
    if address is None:
        return _page(400, "Invalid link", "<h1>This unsubscribe link is not valid.</h1><p>連結無效。</p>")
    runtime = current_app.extensions["bot"]
    event = Inbound(channel="email", kind="opt_out", event_id=f"unsubscribe:{uuid.uuid4()}", occurred_at=utcnow(),
                    chat_id=address, user_id=address, payload={"source": "list-unsubscribe", "silent": True})
    with runtime.sessions.begin() as session:
        pipeline.accept(session, [event])
    return _page(200, "Unsubscribed", "<h1>已取消訂閱 / Unsubscribed</h1><p>您不會再收到我們的行銷郵件。"
                                      "<br>You will not receive marketing email from us any more.</p>")
