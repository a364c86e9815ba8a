"""What every console page shares, apart from the blueprints: the URL prefix, the reader's
language, the words the page's script shows, and the HTML error page.

Why a module of its own: the views import these, and `bot.console` (the package) imports the
views to register them; kept in the package, each view would import its own package back.
"""

from __future__ import annotations

import re
from typing import Any

from flask import g, render_template, request
from werkzeug.exceptions import HTTPException

from bot.console import security
from bot.console.i18n import chosen_language, gettext
from channels import registry

CONSOLE_PREFIX = "/console"


# Words the page's script shows (statuses, priorities, stages), translated once per page.
SCRIPT_WORDS = ("pending", "sent", "failed", "paused", "cancelled", "withheld", "scheduled", "recurring", "sending", "planning", "done",
                "urgent", "high", "normal", "low", "bot", "(taken back by the customer)", "stranger", "visitor", "lead",
                "customer", "first_time_buyer", "repeat", "advocate", "image", "sticker", "follow", "unfollow", "postback", "location", "attachment",
                *registry.names())


def status_labels() -> dict[str, str]:
    return {word: gettext(word) for word in SCRIPT_WORDS}


def current_language() -> str:
    return chosen_language()


# What an error means, for a reader of the console's language when the error's own words are a
# developer's English (werkzeug's defaults, `abort(404, "no such customer")`).
ERROR_SENTENCES = {
    400: "The request could not be understood; go back, reload the page and try again.",
    403: "Your role may not open this page.",
    404: "There is no such page, or what it showed no longer exists.",
    405: "This cannot be done from here.",
    409: "This cannot be done now; reload the page to see the current state.",
    413: "What was sent is too large.",
    429: "Too many attempts; wait a moment and try again.",
    500: "Something went wrong on our side. Try again; if it keeps happening, tell the administrator.",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


# Statuses whose message is about what the user just sent (a stale form, the last admin): worth
# showing as a detail even when it is not translated. Others (403, 404, 500) are a developer's note.
DETAILED_STATUSES = frozenset({400, 409, 413, 429})


def error_description(exc: HTTPException) -> tuple[str, str | None]:
    """(sentence, detail): the error's own words when the reader can read them (English, or a
    message already translated); else the sentence of its status code in the reader's language,
    with the untranslated words as a detail only where they concern the user's own request."""
    description = exc.description or ""
    if current_language() == "en" or _CJK.search(description):
        return description, None
    translated = gettext(description)
    if translated != description:
        return translated, None
    user = g.get("user")
    if exc.code == 403 and user is not None:
        return gettext("Your role ({role}) may not open this page.", role=gettext(user.role)), None
    sentence = gettext(ERROR_SENTENCES.get(exc.code or 500, ERROR_SENTENCES[500]))
    return sentence, description if exc.code in DETAILED_STATUSES and description else None


def console_error_page(exc: HTTPException) -> Any | None:
    """An HTML error page for console pages (JSON endpoints and webhooks keep JSON errors), in the
    console's language, for every status including 500."""
    if not request.path.startswith(CONSOLE_PREFIX) or security.wants_json():
        return None
    if "user" not in g:
        try:
            security.load_user()
        except Exception:  # the database may be what failed: the page still renders, signed out
            g.user = None
    description, detail = error_description(exc)
    return render_template("console/error.html", code=exc.code, description=description, detail=detail), exc.code
