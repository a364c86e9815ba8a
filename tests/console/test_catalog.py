"""Every string the console shows has its Traditional Chinese (zh-TW is the default language)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.console.base import SCRIPT_WORDS
from bot.console.commerce_panels import COUPON_STATUS, PANEL_TITLES, POINT_KIND_WORDS
from bot.console.i18n import ZH_TW
from bot.marketing.planning import POLICIES
from models import ROLES

CONSOLE = Path(__file__).resolve().parents[2] / "bot" / "console"
LITERAL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def used_strings() -> set[str]:
    found = set()
    for path in [*CONSOLE.rglob("*.html"), *(p for p in CONSOLE.rglob("*.py") if p.name != "catalog.py")]:
        for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.add((match.group(1) or match.group(2) or "").replace('\\"', '"'))
    return found - {""}


def test_every_literal_has_a_translation():
    missing = sorted(s for s in used_strings() if s not in ZH_TW)
    assert missing == []


def test_words_shown_through_variables_have_translations(runtime):
    from bot.marketing import reports

    with runtime.sessions() as session:
        headers = [h for table in (reports.funnel(session), reports.tier_pyramid(session), reports.rfm_grid(session),
                                   reports.campaign_lift(session)) for h in table.header]
        stages = [row[0] for row in reports.funnel(session).rows]
    headers = [h for h in headers if not re.fullmatch(r"F\d", h)]
    words = [*SCRIPT_WORDS, *ROLES, *POLICIES, *headers, *stages]
    words += [*PANEL_TITLES, *COUPON_STATUS.values(), *POINT_KIND_WORDS]
    assert sorted(w for w in words if w not in ZH_TW) == []


def test_placeholders_match_between_languages():
    for english, chinese in ZH_TW.items():
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", chinese)), english


def test_no_translation_is_empty():
    assert sorted(english for english, chinese in ZH_TW.items() if not chinese.strip()) == []
