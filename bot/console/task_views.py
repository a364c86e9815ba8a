"""The staff's task list (the churn watch's calls to make, any task the bot raises) and closing a
task; the customer's page shows the same tasks in its care panels."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.tasks import STATUSES, list_tasks, mark_done
from bot.console.views import next_url, reading, writing

tasks = Blueprint("tasks", __name__)


@tasks.get("/tasks")
@security.allow("queue")
def page() -> Any:
    status = request.args.get("status", "open")
    status = status if status in STATUSES or status == "all" else "open"
    with reading() as db:
        found = list_tasks(db, status=None if status == "all" else status)
    return render_template("console/tasks.html", tasks=found, status=status, statuses=(*STATUSES, "all"))


@tasks.post("/tasks/<int:task_id>/done")
@security.allow("queue")
def done(task_id: int) -> Any:
    with writing() as db:
        if not mark_done(db, task_id):
            abort(404, "no such task")
    flash(_("Task #{id} is done.", id=task_id))
    return redirect(next_url(url_for("tasks.page")))
