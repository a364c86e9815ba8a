"""A segment as a LINE audience, against the LINE stand-in (real line-bot-sdk client, real HTTP):
only customers reachable on LINE with marketing consent there, 10,000 ids per request, the status
from LINE on the console, the upload audited; and the stand-in refuses what LINE refuses."""

from __future__ import annotations

import requests
from sqlalchemy import select

from channels.line.audiences import LineAudiences
from models import ExportRecord, LineAudience, Segment
from tests.conftest import ACCESS_TOKEN
from tests.console.factories import add_customer


def test_segment_uploaded_as_audience_with_status(console, runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        for n in range(12):
            add_customer(s, f"Fan {n}", line=f"U{n:032x}", consent=("line",), region="台北市")
        add_customer(s, "No consent", line=f"U{99:032x}", region="台北市")
        add_customer(s, "Blocked us", line=f"U{98:032x}", consent=("line",), reachable=False, region="台北市")
        add_customer(s, "Elsewhere", line=f"U{97:032x}", consent=("line",), region="台中市")
        segment = Segment(name="台北 LINE", criteria={"regions": ["台北市"]})
        s.add(segment)
        s.flush()
        segment_id = segment.id
    assert console("staff").get(f"/console/segments/{segment_id}/line-audiences").status_code == 403
    marketer = console("marketer")
    assert "12 位顧客" in marketer.get(f"/console/segments/{segment_id}/line-audiences").text
    page = marketer.post(f"/console/segments/{segment_id}/line-audiences")
    assert page.status_code == 200 and "已排入上傳" in page.text and "等待中" in page.text
    assert standin.audiences == {}  # the console request never talks to LINE: the worker does
    worker.line_tasks_once()
    assert "LINE 比對中" in marketer.get(f"/console/segments/{segment_id}/line-audiences").text
    [group] = standin.audiences.values()
    assert group["user_ids"] == {f"U{n:032x}" for n in range(12)} and group["description"].startswith("台北 LINE")
    audience = db.scalar(select(LineAudience))
    assert (audience.audience_group_id, audience.user_count, audience.status) == (group["audienceGroupId"], 12, "IN_PROGRESS")
    record = db.scalar(select(ExportRecord))
    assert (record.target, record.rows, record.user_email, record.segment_id) == ("line_audience", 12, "marketer@shop.test", segment_id)
    first = marketer.post(f"/console/line-audiences/{audience.id}/refresh")  # LINE is still matching the ids
    assert "LINE 比對中" in first.text and db.scalar(select(LineAudience.audience_count)) == 12
    assert "可使用" in marketer.post(f"/console/line-audiences/{audience.id}/refresh").text
    assert marketer.post(f"/console/segments/{segment_id}/line-audiences", csrf=False).status_code in (400, 403)


def test_large_audiences_go_in_chunks_of_10000_through_the_sdk(runtime, standin):
    client = LineAudiences(ACCESS_TOKEN, runtime.settings.line.api_base)
    ids = [f"U{n:032x}" for n in range(25000)]
    group_id = client.upload("everyone", ids)
    client.close()
    uploads = [r for r in standin.requests if r["path"] == "/v2/bot/audienceGroup/upload"]
    assert len(uploads) == 3 and len(standin.audiences[group_id]["user_ids"]) == 25000


def test_the_standin_refuses_what_line_refuses(runtime, standin):
    base = str(runtime.settings.line.api_base).rstrip("/")
    auth = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
    good = {"description": "ok", "audiences": [{"id": "U" + "0" * 32}]}

    def create(body, headers=auth):
        return requests.post(f"{base}/v2/bot/audienceGroup/upload", json=body, headers=headers, timeout=10)

    assert create(good).status_code == 202
    for bad in ({**good, "description": "x" * 121}, {**good, "description": ""},
                {**good, "audiences": [{"id": f"U{n:032x}"} for n in range(10001)]}, {**good, "audiences": []},
                {**good, "audiences": [{"id": "not-a-user"}]}, {**good, "isIfaAudience": True}):
        assert create(bad).status_code == 400
    assert create(good, headers={"Authorization": "Bearer wrong"}).status_code == 401
    unknown = requests.put(f"{base}/v2/bot/audienceGroup/upload", json={"audienceGroupId": 1, "audiences": good["audiences"]},
                           headers=auth, timeout=10)
    assert unknown.status_code == 400 and "not found" in unknown.json()["message"]


def test_the_console_shows_progress_retries_and_lines_reason(console, runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        for n in range(3):
            add_customer(s, f"Fan {n}", line=f"U{n:032x}", consent=("line",), region="台北市")
        segment = Segment(name="台北", criteria={"regions": ["台北市"]})
        s.add(segment)
        s.flush()
        segment_id = segment.id
    marketer = console("marketer")
    marketer.post(f"/console/segments/{segment_id}/line-audiences")
    assert "0 / 3" in marketer.get(f"/console/segments/{segment_id}/line-audiences").text
    standin.add_fault("/v2/bot/audienceGroup/upload", status=503)
    worker.line_tasks_once()
    page = marketer.get(f"/console/segments/{segment_id}/line-audiences").text
    assert "將於" in page and "LINE answered 503" in page
    with runtime.sessions.begin() as s:  # LINE refuses the ids now (say, a customer's id was corrupted)
        row = s.scalar(select(LineAudience))
        row.user_ids, row.due_at = ["bad-id"], row.created_at
    worker.line_tasks_once()
    page = marketer.get(f"/console/segments/{segment_id}/line-audiences").text
    assert "失敗" in page and "audiences[0].id" in page and "將於" not in page
