"""The one browser test on PostgreSQL (the others run on SQLite to keep the suite fast): a staff
reply from the conversation page reaches the LINE stand-in, and a marketer's broadcast plans."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def test_staff_reply_and_broadcast_on_postgresql(chat, runtime, page_for, worker, standin):
    chat.send("follow")  # following grants marketing consent on LINE
    chat.say("<script>alert(1)</script> 想訂書，我要找真人")  # opens a ticket: the queue lists it
    chat.replies()
    staff = page_for("staff")
    staff.click("#queue tbody tr a")
    assert "<script>alert(1)</script> 想訂書，我要找真人" in staff.locator("#timeline").inner_text()
    staff.fill("#reply-text", "好的，幫您訂。")
    staff.click("#reply button[type=submit]")
    worker.drain()
    assert [d["messages"][0]["text"] for d in chat.replies()] == ["好的，幫您訂。"]
    staff.wait_for_function("() => document.querySelector('#timeline .msg.out:last-child').dataset.status === 'sent'")
    marketer = page_for("marketer")
    marketer.goto("/console/segments")
    marketer.fill("input[name=name]", "all")
    marketer.click("#segment-form button[type=submit]")
    marketer.goto("/console/broadcasts/new")
    marketer.fill("input[name=name]", "pg")
    marketer.select_option("select[name=segment_id]", label="all")
    marketer.fill("textarea[name=text]", "hello {name}")
    marketer.fill("input[name=holdout_percent]", "0")
    marketer.click("#broadcast-form button[type=submit]")
    marketer.wait_for_selector("#progress")
    worker.drain()
    assert [d["messages"][0]["text"] for d in chat.replies()] == ["hello 朋友"]
    marketer.wait_for_function("() => document.getElementById('progress').value === 100")
    assert marketer.locator("[data-count=sent]").inner_text() == "1"
    assert staff.dialogs == [] and marketer.dialogs == []
