"""The service side of the demo shop's history: appointments (a few no-shows), complaints that
became tickets (most answered within the SLA, some late), and CSAT answers after tickets and orders."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bot.devtools.demo.history import DemoOrder
from bot.devtools.demo.people import DemoCustomer
from models import Service

COMPLAINTS = ["書寄來的時候封面破了，很失望。", "訂單三天了還沒出貨，請問怎麼了？", "活動報名了卻沒收到確認信。",
              "The book I received is the wrong edition.", "點數好像沒有入帳，可以幫我查嗎？", "店員態度不太好。"]
REPLIES = ["非常抱歉造成您的不便，我們馬上為您處理。", "已為您查詢，今天會寄出，並補上一張折價券。",
           "Sorry about that! A replacement is on its way."]


def appointment_rows(rng: random.Random, services: list[Service], people: list[DemoCustomer], now: datetime,
                     count: int) -> list[dict[str, object]]:
    rows = []
    taken: set[tuple[int, int, datetime]] = set()
    reachable = [p for p in people if p.identities]
    for _ in range(count):
        person, service = rng.choice(reachable), rng.choice(services)
        day = now.date() - timedelta(days=rng.randint(-10, 300))
        hour = rng.choice([11, 14, 15, 16, 17])
        starts = datetime(day.year, day.month, day.day, hour - 8, rng.choice([0, 30]), tzinfo=now.tzinfo)  # 08:00 ahead of UTC
        key = (person.id, service.id, starts)
        if key in taken or starts < person.joined:
            continue
        taken.add(key)
        channel = next(iter(person.identities))
        if starts > now:
            status = "booked"
        else:
            status = rng.choices(["attended", "no_show", "cancelled"], weights=[80, 8, 12])[0]
        rows.append({"customer_id": person.id, "service_id": service.id, "starts_at": starts,
                     "ends_at": starts + timedelta(minutes=service.duration_minutes), "status": status, "channel": channel,
                     "address": person.identities[channel], "booked_at": starts - timedelta(days=rng.randint(1, 10)),
                     "confirmed_at": None, "cancelled_at": starts - timedelta(days=1) if status == "cancelled" else None,
                     "attended_at": starts if status == "attended" else None,
                     "no_show_at": starts + timedelta(minutes=30) if status == "no_show" else None,
                     "times_moved": 0, "created_at": starts - timedelta(days=10)})
    return rows


def slot_rows(appointments: list[dict[str, object]]) -> list[dict[str, object]]:
    booked: dict[tuple[object, object], int] = {}
    for row in appointments:
        if row["status"] in ("booked", "attended", "no_show"):
            key = (row["service_id"], row["starts_at"])
            booked[key] = booked.get(key, 0) + 1
    return [{"service_id": s, "starts_at": t, "booked": n} for (s, t), n in booked.items()]


def complaint_plan(rng: random.Random, people: list[DemoCustomer], now: datetime, count: int) -> list[tuple[DemoCustomer, datetime]]:
    reachable = [p for p in people if p.identities]
    plan = []
    for person in rng.sample(reachable, min(count, len(reachable))):  # one conversation per customer and channel
        opened = person.joined + (now - person.joined) * rng.random()
        plan.append((person, opened))
    return sorted(plan, key=lambda entry: entry[1])


def conversation_rows(plan: list[tuple[DemoCustomer, datetime]]) -> list[dict[str, object]]:
    rows = []
    for person, opened in plan:
        channel = next(iter(person.identities))
        rows.append({"customer_id": person.id, "channel": channel, "address": person.identities[channel], "kind": "user",
                     "handled_by": "bot", "active": True, "created_at": opened, "last_message_at": opened + timedelta(hours=1)})
    return rows


def message_rows(rng: random.Random, conversation_ids: list[int], plan: list[tuple[DemoCustomer, datetime]]) -> list[dict[str, object]]:
    rows = []
    for cid, (_person, opened) in zip(conversation_ids, plan, strict=True):
        rows.append({"conversation_id": cid, "direction": "in", "kind": "text", "text": rng.choice(COMPLAINTS), "payload": {},
                     "created_at": opened})
        rows.append({"conversation_id": cid, "direction": "out", "kind": "text", "text": rng.choice(REPLIES), "payload": {},
                     "created_at": opened + timedelta(minutes=20)})
    return rows


def ticket_rows(rng: random.Random, conversation_ids: list[int], plan: list[tuple[DemoCustomer, datetime]], now: datetime,
                first_minutes: list[int], resolution_minutes: list[int]) -> list[dict[str, object]]:
    rows = []
    for cid, (person, opened) in zip(conversation_ids, plan, strict=True):
        priority = rng.choices([1, 2, 3], weights=[20, 50, 30])[0]
        first_due = opened + timedelta(minutes=first_minutes[priority - 1])
        resolve_due = opened + timedelta(minutes=resolution_minutes[priority - 1])
        late = rng.random() < 0.18
        answered = first_due + timedelta(minutes=rng.randint(5, 90)) if late else opened + (first_due - opened) * rng.uniform(0.1, 0.9)
        resolved = (resolve_due + timedelta(hours=rng.randint(1, 12)) if late and rng.random() < 0.6
                    else opened + (resolve_due - opened) * rng.uniform(0.3, 0.95))
        still_open = opened > now - timedelta(days=2) and rng.random() < 0.5
        rows.append({"customer_id": person.id, "conversation_id": cid, "priority": priority,
                     "category": rng.choices(["complaint", "human_request"], weights=[70, 30])[0],
                     "status": "open" if still_open else "resolved", "summary": None, "matched": None, "opened_at": opened,
                     "first_response_due": first_due, "resolution_due": resolve_due,
                     "first_response_at": None if still_open and answered > now else min(answered, now),
                     "resolved_at": None if still_open else min(resolved, now), "escalated_at": None, "escalation_reason": None,
                     "first_response_breached_at": first_due if late else None,
                     "resolution_breached_at": resolve_due if late and resolved > resolve_due else None,
                     "assignee": "staff@demo.example", "resolved_by": None if still_open else "staff@demo.example",
                     "reopened": 0, "created_at": opened, "updated_at": opened})
    return rows


def survey_rows(rng: random.Random, tickets: list[tuple[int, dict[str, object]]], orders: list[DemoOrder],
                people: dict[int, DemoCustomer]) -> list[dict[str, object]]:
    rows = []
    for ticket_id, ticket in tickets:
        if ticket["resolved_at"] is None or rng.random() > 0.7:
            continue
        score = rng.choices([1, 2, 3, 4, 5], weights=[5, 8, 17, 35, 35] if not ticket["first_response_breached_at"]
                            else [20, 25, 25, 20, 10])[0]
        rows.append(_survey(people[_int(ticket["customer_id"])], "ticket", ticket_id, ticket["resolved_at"], score, rng))
    for order in orders:
        if rng.random() < 0.15:
            score = rng.choices([1, 2, 3, 4, 5], weights=[2, 4, 14, 40, 40])[0]
            rows.append(_survey(order.customer, "order", order.id, order.placed_at, score, rng))
    return rows


def _survey(person: DemoCustomer, kind: str, subject: int, base: object, score: int, rng: random.Random) -> dict[str, object]:
    assert isinstance(base, datetime)
    channel = next(iter(person.identities))
    answered = rng.random() < 0.65
    return {"customer_id": person.id, "kind": kind, "subject_id": subject, "channel": channel,
            "address": person.identities[channel], "status": "answered" if answered else "sent", "base_at": base,
            "sent_at": base + timedelta(hours=2), "score": score if answered else None,
            "answered_at": base + timedelta(hours=rng.randint(3, 30)) if answered else None, "created_at": base}


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value
