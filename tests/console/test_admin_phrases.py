"""An admin edits the complaint phrase lists in the console, and the bot on the real LINE webhook
path follows the saved lists from the next message; bad lists are refused field by field with
nothing saved; only admins, only with the form's token; reset hands the lists back to config.toml.
Over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.console.i18n import ZH_TW
from bot.crm.complaint_phrases import LIST_MAX_PHRASES, MESSAGES, PHRASE_MAX_LENGTH, check_phrase_lists, parse_phrases, phrase_lists
from models import ConsoleSetting, ConsoleUser, Ticket
from tests.care_helpers import to_customer
from tests.console.conftest import email

PAGE = "/console/admin/complaints"
NOT_UNDERSTOOD = "抱歉，我不太懂"
APOLOGY = "非常抱歉讓您有不好的經驗"


def form_of(lists, **changes: str) -> dict[str, str]:
    """The page's form as the browser would send it for these lists, with some fields changed."""
    form = {name: "\n".join(getattr(lists, name)) for name in ("words", "human_words", "severe_words")}
    form["tone_threshold"] = str(lists.tone_threshold)
    return {**form, **changes}


def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return match.group(1)


def saved(db) -> ConsoleSetting | None:
    return db.get(ConsoleSetting, "complaints")


def test_an_added_phrase_opens_a_ticket_and_a_removed_one_no_longer_does(console, chat, db, runtime, clock):
    config = runtime.settings.complaints
    assert "退款" in config.words and "壞掉了" not in config.words
    first, second = "U" + "a" * 32, "U" + "b" * 32
    assert NOT_UNDERSTOOD in to_customer(chat.send("message", text="我的書壞掉了", user=first), first)[0]  # not yet a complaint
    assert db.all(select(Ticket)) == []

    admin = console("admin")
    page = admin.get(PAGE)
    assert page.status_code == 200 and "退款" in textarea(page.text, "words") and "config.toml" in page.text
    words = [w for w in config.words if w != "退款"] + ["壞掉了"]
    answer = admin.post(PAGE, form_of(config, words="\n".join(words)))
    assert answer.history and answer.history[0].status_code == 302 and answer.url.endswith(PAGE)
    assert "客訴關鍵字已儲存" in answer.text and "壞掉了" in textarea(answer.text, "words")
    row = saved(db)
    admin_id = db.scalar(select(ConsoleUser.id).where(ConsoleUser.email == email("admin")))
    assert row.value["words"] == words and row.updated_by_id == admin_id
    assert f"最後由 {email('admin')} 於" in answer.text

    replies = to_customer(chat.send("message", text="我的書壞掉了", user=first), first)
    assert replies[0].startswith(APOLOGY)
    ticket = db.scalar(select(Ticket))
    assert (ticket.category, ticket.matched) == ("complaint", "壞掉了")

    replies = to_customer(chat.send("message", text="我要退款", user=second), second)  # 退款 was taken off the list
    assert not replies[0].startswith(APOLOGY)
    assert len(db.all(select(Ticket))) == 1


def test_each_bad_field_is_refused_with_its_reason_and_nothing_is_saved(console, db, runtime):
    config = runtime.settings.complaints
    admin = console("admin")
    too_long = "太" * (PHRASE_MAX_LENGTH + 1)
    cases = [
        ({"words": " \n ，, \n"}, "words", "請至少加入一個客訴關鍵字"),
        ({"words": "退款\n!!!"}, "words", "「!!!」只有標點符號"),
        ({"human_words": f"真人\n{too_long}"}, "human_words", f"「{too_long}」有 {PHRASE_MAX_LENGTH + 1} 個字"),
        ({"severe_words": "\n".join(f"p{i}" for i in range(LIST_MAX_PHRASES + 1))}, "severe_words",
         f"這個清單有 {LIST_MAX_PHRASES + 1} 個關鍵字"),
        ({"tone_threshold": "two"}, "tone_threshold", "「two」不是整數"),
        ({"tone_threshold": "0"}, "tone_threshold", "語氣門檻至少為 1"),
        ({"tone_threshold": " "}, "tone_threshold", "請輸入語氣門檻"),
    ]
    for changes, field, reason in cases:
        answer = admin.post(PAGE, form_of(config, **changes))
        assert answer.status_code == 400, (changes, answer.status_code)
        errors = re.findall(r'<span class="error" id="error-([a-z_]+)">([^<]*)</span>', answer.text)
        assert [name for name, _ in errors] == [field] and reason in errors[0][1], (changes, errors)
        if field != "tone_threshold":  # what the admin typed is on the page again, to correct
            assert textarea(answer.text, field).split("\n")[-1] == changes[field].split("\n")[-1]
        assert saved(db) is None, changes

    # at the limits it is accepted; then a bad save leaves the saved lists as they were
    at_limit = form_of(config, human_words="太" * PHRASE_MAX_LENGTH,
                       severe_words="\n".join(f"p{i}" for i in range(LIST_MAX_PHRASES)), tone_threshold="3")
    assert admin.post(PAGE, at_limit).status_code == 200
    before = saved(db).value
    assert len(before["severe_words"]) == LIST_MAX_PHRASES and before["tone_threshold"] == 3
    assert admin.post(PAGE, {**at_limit, "words": "", "tone_threshold": "1"}).status_code == 400
    assert saved(db).value == before


def test_only_admins_may_see_or_change_the_lists_and_only_with_the_form_token(console, db, runtime):
    form = form_of(runtime.settings.complaints, words="壞掉了")
    for role in ("staff", "marketer"):
        client = console(role)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, form).status_code == 403
        assert client.post(f"{PAGE}/reset").status_code == 403
    admin = console("admin")
    refused = admin.post(PAGE, form, csrf=False)
    assert refused.status_code == 400 and "security token" in refused.text
    assert saved(db) is None
    assert admin.post(PAGE, {**form, "csrf_token": "not-the-token"}, csrf=False).status_code == 400
    assert saved(db) is None
    assert admin.post(PAGE, form).status_code == 200 and saved(db) is not None
    assert admin.post(f"{PAGE}/reset", csrf=False).status_code == 400 and saved(db) is not None


def test_reset_gives_the_lists_back_to_config(console, db, runtime):
    config = runtime.settings.complaints
    admin = console("admin")
    assert 'id="phrases-reset"' not in admin.get(PAGE).text  # nothing to reset yet
    admin.post(PAGE, form_of(config, words="壞掉了", tone_threshold="3"))
    with runtime.sessions() as session:
        assert phrase_lists(session, runtime.settings).words == ("壞掉了",)
    page = admin.post(f"{PAGE}/reset")
    assert page.status_code == 200 and "已還原為 config.toml" in page.text
    assert saved(db) is None
    with runtime.sessions() as session:
        assert phrase_lists(session, runtime.settings) == config
    assert textarea(page.text, "words").split("\n") == list(config.words) and 'value="2"' in page.text
    assert 'id="phrases-reset"' not in page.text


def test_phrases_and_reasons_are_shown_as_text(console, db, runtime):
    admin = console("admin")
    script = "<script>alert(1)</script>"
    admin.post(PAGE, form_of(runtime.settings.complaints, human_words=f"真人\n{script}"))
    assert script in saved(db).value["human_words"]
    page = admin.get(PAGE).text
    assert script not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    long_tag = "<b>" + "x" * PHRASE_MAX_LENGTH + "</b>"
    refused = admin.post(PAGE, form_of(runtime.settings.complaints, words=long_tag))
    assert refused.status_code == 400 and "<b>" not in refused.text and "&lt;b&gt;xxx" in refused.text


def test_phrases_are_split_trimmed_and_kept_once_as_the_detector_sees_them():
    assert parse_phrases(" Refund \n退款，退款,refund\r\nＲＥＦＵＮＤ\n\n talk   to  someone ") == ["Refund", "退款", "talk to someone"]
    lists, problems = check_phrase_lists({"words": "退款", "human_words": "", "severe_words": "", "tone_threshold": "2"})
    assert problems == {} and (lists.words, lists.human_words, lists.tone_threshold) == (("退款",), (), 2)
    lists, problems = check_phrase_lists({"words": "", "human_words": "!!!", "tone_threshold": "x"})
    assert lists is None and set(problems) == {"words", "human_words", "tone_threshold"}


def test_every_reason_has_its_translation():
    assert [m for m in MESSAGES if m not in ZH_TW] == []
