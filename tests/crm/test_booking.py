"""Booking through the real LINE webhook path: service -> day -> slot -> confirm with buttons, the
date picker and typed answers in three languages; my bookings, reschedule, cancel; reminders by
the scheduler's clock; no-shows; and the last seat raced by 20 customers on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.crm import booking
from models import Appointment, ChannelIdentity, Customer, Service, Slot
from tests.care_helpers import button_data, buttons, press, say, to_customer
from tests.conftest import CLOCK_START

OTHER = "U" + "b" * 32


def slot(db, stamp: str) -> int:
    starts = datetime.strptime(stamp, "%Y%m%dT%H%M").replace(tzinfo=CLOCK_START.tzinfo)
    return db.scalar(select(Slot.booked).where(Slot.starts_at == starts)) or 0


def book(chat, day: str, time: str, user: str | None = None) -> list[str]:
    """Press through the buttons as `user`: service, day, slot, confirm."""
    user = user or chat.user
    for data in ("book:svc:consult", f"book:day:consult:{day}", f"book:slot:consult:{day.replace('-', '')}T{time}"):
        chat.send("postback", postback=data, user=user)
    return to_customer(chat.send("postback", postback=f"book:ok:consult:{day.replace('-', '')}T{time}", user=user), user)


def test_booking_with_buttons_and_the_date_picker(chat, db, clock):
    deliveries = chat.send("message", text="我想預約")
    assert to_customer(deliveries, chat.user) == ["請選擇要預約的服務："]
    assert button_data(deliveries) == ["book:svc:consult", "book:svc:bookbinding"]
    deliveries = chat.send("postback", postback="book:svc:consult")
    assert to_customer(deliveries, chat.user) == ["選書諮詢：請選擇日期（或點「選日期」）。"]
    offered = buttons(deliveries[0])
    assert [a["label"] for a in offered[:3]] == ["3/3（二）", "3/4（三）", "3/5（四）"]
    picker = offered[-1]
    assert (picker["type"], picker["mode"], picker["min"], picker["max"]) == ("datetimepicker", "date", "2026-03-03", "2026-03-17")
    deliveries = chat.send("postback", postback="book:pick:consult", params={"date": "2026-03-04"})
    assert to_customer(deliveries, chat.user) == ["選書諮詢，3/4（三）：請選擇時段。"]
    times = [a["label"] for a in buttons(deliveries[0])]
    assert times[:3] == ["11:00", "11:30", "14:00"] and times[-1] == "換一天" and len(times) == 11
    deliveries = chat.send("postback", postback="book:slot:consult:20260304T1400")
    assert to_customer(deliveries, chat.user) == ["請確認預約：\n選書諮詢\n3/4（三） 14:00"]
    assert button_data(deliveries)[0] == "book:ok:consult:20260304T1400"
    assert press(chat, "book:ok:consult:20260304T1400") == ["預約完成！選書諮詢，3/4（三） 14:00。我們會在前一天和當天提醒您。"]
    appointment = db.scalar(select(Appointment))
    assert appointment.starts_at == datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
    assert (appointment.status, appointment.channel, appointment.address) == ("booked", "line", chat.user)
    assert slot(db, "20260304T1400") == 1


def test_typed_answers_with_mistakes_in_english(chat, db, clock):
    assert say(chat, "book") == ["Which service would you like to book?"]
    assert say(chat, "haircut") == ["\"haircut\" is not a service we take bookings for. Please pick one below.\n"
                                    "Which service would you like to book?"]
    assert say(chat, "1") == ["Book consultation: pick a day (or tap \"Pick a date\")."]
    assert say(chat, "32/13") == ["\"32/13\" is not a day we can book. Type e.g. 3/4, or pick one below.\n"
                                  "Book consultation: pick a day (or tap \"Pick a date\")."]
    assert say(chat, "tomorrow") == ["Book consultation, Wed 3/4: pick a time."]
    assert say(chat, "9:00") == ["\"9:00\" is not a free time. Please pick one below.\nBook consultation, Wed 3/4: pick a time."]
    assert say(chat, "2pm") == ["Please confirm your booking:\nBook consultation\nWed 3/4 14:00"]
    assert say(chat, "yes") == ["You are booked: Book consultation, Wed 3/4 14:00. We will remind you before the visit."]
    assert db.scalar(select(Customer.language)) == "en"


def test_two_bad_answers_end_the_dialogue_kindly_in_simplified_chinese(chat, db, clock):
    assert say(chat, "预约") == ["请选择要预约的服务："]
    assert say(chat, "理发") == ["“理发”不是可预约的服务，请从下方选择。\n请选择要预约的服务："]
    assert say(chat, "理发") == ["“理发”不是可预约的服务，请从下方选择。\n我们先停在这里，想预约时输入“预约”即可。"]
    assert say(chat, "理发") == ["抱歉，我不太懂您的意思。您可以选择下面的项目："]  # the dialogue is over
    assert db.scalar(select(func.count()).select_from(Appointment)) == 0


def test_datetime_and_time_pickers_choose_a_slot(chat, db, clock):
    press(chat, "book:svc:consult")
    assert press(chat, "book:pick:consult", datetime="2026-03-05T15:30") == ["請確認預約：\n選書諮詢\n3/5（四） 15:30"]
    press(chat, "book:day:consult:2026-03-06")
    assert press(chat, "book:pick:consult", time="11:30") == ["請確認預約：\n選書諮詢\n3/6（五） 11:30"]
    assert press(chat, "book:pick:consult", time="11:45")[0].startswith("「11:45」不是空的時段")
    assert press(chat, "book:pick:consult", datetime="soon")[0].startswith("「soon」不是可預約的日期")


def test_a_customer_can_switch_between_dialogues_by_their_keywords(chat, db, clock):
    press(chat, "lead:start")
    assert say(chat, "預約") == ["請選擇要預約的服務："]  # not taken as a name
    assert "請問怎麼稱呼您" in say(chat, "加入會員")[0]  # not taken as a service
    assert db.scalar(select(Customer.display_name)) is None


def test_a_day_outside_the_window_or_fully_booked_is_refused(chat, db, clock):
    press(chat, "book:svc:consult")
    assert press(chat, "book:pick:consult", date="2026-04-30")[0].startswith("「2026-04-30」不是可預約的日期")
    assert say(chat, "3/9")[0].startswith("3/9（一） 沒有空的時段了")  # Mondays closed


def test_the_last_seat_goes_once_and_a_stale_button_is_refused(chat, db, clock):
    assert book(chat, "2026-03-03", "1400")[0].startswith("預約完成")
    deliveries = chat.send("postback", postback="book:day:consult:2026-03-03", user=OTHER)
    assert "book:slot:consult:20260303T1400" not in button_data(deliveries)
    taken = to_customer(chat.send("postback", postback="book:ok:consult:20260303T1400", user=OTHER), OTHER)
    assert taken == ["抱歉，這個時段剛剛被訂走了。請選擇其他時段：\n選書諮詢，3/3（二）：請選擇時段。"]
    assert press(chat, "book:ok:consult:20260303T1400") == ["您已經預約了這個時段。"]
    assert db.scalar(select(func.count()).select_from(Appointment)) == 1 and slot(db, "20260303T1400") == 1
    # a forged time that is not a slot start is not bookable either
    assert press(chat, "book:ok:consult:20260303T1415")[0].startswith("「14:15」不是空的時段")


def test_my_bookings_reschedule_and_cancel(chat, db, clock):
    assert say(chat, "我的預約") == ["您目前沒有預約。輸入「預約」即可預約。"]
    book(chat, "2026-03-03", "1400")
    appointment_id = db.scalar(select(Appointment.id))
    deliveries = chat.send("message", text="我的預約")
    assert to_customer(deliveries, chat.user) == ["您的預約：\n1. 選書諮詢，3/3（二） 14:00"]
    assert button_data(deliveries)[:2] == [f"appt:move:{appointment_id}", f"appt:cancel:{appointment_id}"]
    assert press(chat, f"appt:move:{appointment_id}") == ["選書諮詢：請選擇日期（或點「選日期」）。"]
    press(chat, "book:day:consult:2026-03-04")
    press(chat, "book:slot:consult:20260304T1100")
    assert press(chat, "book:ok:consult:20260304T1100") == ["已改到 3/4（三） 11:00（選書諮詢）。"]
    moved = db.get(Appointment, appointment_id)
    assert moved.starts_at == datetime(2026, 3, 4, 3, 0, tzinfo=UTC) and moved.times_moved == 1
    assert (slot(db, "20260303T1400"), slot(db, "20260304T1100")) == (0, 1)
    # someone else cannot touch it
    other = to_customer(chat.send("postback", postback=f"appt:cancel:{appointment_id}", user=OTHER), OTHER)
    assert other == ["找不到這筆預約，可能已經取消或結束了。"]
    assert press(chat, f"appt:cancel:{appointment_id}") == ["已取消 3/4（三） 11:00 的選書諮詢預約。"]
    assert db.get(Appointment, appointment_id).status == "cancelled" and slot(db, "20260304T1100") == 0
    assert press(chat, f"appt:cancel:{appointment_id}") == ["找不到這筆預約，可能已經取消或結束了。"]


def test_reminders_24h_and_2h_before_with_buttons(chat, db, clock, scheduler, standin):
    book(chat, "2026-03-04", "1400")
    appointment_id = db.scalar(select(Appointment.id))
    clock.set(datetime(2026, 3, 3, 13, 59, tzinfo=CLOCK_START.tzinfo))
    assert scheduler.run_interval_jobs()["appointment_reminders"] == "done"
    assert chat.replies() == []
    clock.set(datetime(2026, 3, 3, 14, 0, tzinfo=CLOCK_START.tzinfo))
    scheduler.run_interval_jobs()
    assert scheduler.run_interval_jobs()["appointment_reminders"] == "taken"  # same due time: not again
    deliveries = chat.replies()
    assert [d["kind"] for d in deliveries] == ["push"] and deliveries[0]["to"] == [chat.user]
    assert to_customer(deliveries, chat.user) == ["提醒您：3/4（三） 14:00 有選書諮詢的預約。"]
    assert button_data(deliveries) == [f"appt:keep:{appointment_id}", f"appt:move:{appointment_id}", f"appt:cancel:{appointment_id}"]
    clock.advance(minutes=1)
    scheduler.run_interval_jobs()
    assert chat.replies() == []  # the next minute's run knows it was sent
    clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=CLOCK_START.tzinfo))
    scheduler.run_interval_jobs()
    assert to_customer(chat.replies(), chat.user) == ["提醒您：3/4（三） 14:00 有選書諮詢的預約。"]
    assert press(chat, f"appt:keep:{appointment_id}") == ["好的，3/4（三） 14:00 見！"]
    assert db.get(Appointment, appointment_id).confirmed_at == clock.now()


def test_a_late_booking_gets_one_short_notice_reminder_and_a_blocked_customer_none(chat, db, clock, scheduler):
    clock.set(datetime(2026, 3, 4, 9, 30, tzinfo=CLOCK_START.tzinfo))
    book(chat, "2026-03-04", "1100")  # booked 90 min before: the 24 h and 2 h reminder times had passed
    book(chat, "2026-03-05", "1100", user=OTHER)
    chat.send("unfollow", user=OTHER)
    chat.replies()
    for hour, minute in ((9, 31), (10, 0), (10, 14)):
        clock.set(datetime(2026, 3, 4, hour, minute, tzinfo=CLOCK_START.tzinfo))
        scheduler.run_interval_jobs()
    assert chat.replies() == []  # no 24 h or 2 h reminder sent late
    clock.set(datetime(2026, 3, 4, 10, 15, tzinfo=CLOCK_START.tzinfo))  # halfway between booking and visit
    scheduler.run_interval_jobs()
    assert to_customer(chat.replies(), chat.user) == ["提醒您：3/4（三） 11:00 有選書諮詢的預約。"]
    for hour, minute in ((10, 16), (10, 59), (11, 0)):
        clock.set(datetime(2026, 3, 4, hour, minute, tzinfo=CLOCK_START.tzinfo))
        scheduler.run_interval_jobs()
    assert chat.replies() == []  # once only, and nothing to the customer who blocked us


def test_which_reminders_fit_a_booking():
    from jobs.care import reminder_keys

    visit = datetime(2026, 3, 5, 11, 0, tzinfo=UTC)
    offsets = [120, 1440]

    def due(booked_before: timedelta) -> dict[str, datetime]:
        """key -> the first minute it is due, for a visit booked `booked_before` ahead."""
        booked, first = visit - booked_before, {}
        minute = booked
        while minute < visit:
            for key in reminder_keys(booked, visit, offsets, minute):
                first.setdefault(key, minute)
            minute += timedelta(minutes=1)
        return first

    assert due(timedelta(days=3)) == {"1440": visit - timedelta(hours=24), "120": visit - timedelta(hours=2)}
    assert due(timedelta(hours=5)) == {"120": visit - timedelta(hours=2)}  # the 24 h one had passed: skipped
    assert due(timedelta(minutes=90)) == {"short-notice": visit - timedelta(minutes=45)}
    assert due(timedelta(hours=2)) == {"short-notice": visit - timedelta(hours=1)}
    assert due(timedelta(minutes=30)) == {"short-notice": visit - timedelta(minutes=15)}
    assert due(timedelta(minutes=20)) == {}  # the confirmation is reminder enough


def test_no_shows_are_recorded_by_staff_or_after_a_grace_time(chat, db, runtime, clock):
    book(chat, "2026-03-03", "1100")
    book(chat, "2026-03-03", "1130")
    first, second = db.all(select(Appointment.id).order_by(Appointment.starts_at))
    now = clock.now() + timedelta(hours=5)
    with runtime.sessions.begin() as session:
        booking.record_attendance(session, first, attended=False, now=now)
        assert booking.mark_no_shows(session, runtime.settings, now) == 0  # off by default
        later = runtime.settings.replace(appointments={"no_show_after_minutes": 30})
        assert booking.mark_no_shows(session, later, now) == 1
    assert {a.status for a in db.all(select(Appointment))} == {"no_show"}
    assert db.get(Appointment, second).no_show_at == now
    with runtime.sessions.begin() as session, pytest.raises(LookupError):
        booking.record_attendance(session, 999, attended=True, now=now)


def test_twenty_customers_racing_for_the_last_seat_on_postgresql(runtime, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("true concurrent writers need PostgreSQL")
    saturday = datetime(2026, 3, 7, 14, 0, tzinfo=CLOCK_START.tzinfo)
    now = CLOCK_START
    with runtime.sessions.begin() as session:
        booking.sync_services(session, runtime.settings)
        customers = [Customer(language="zh-TW", interests=[], tags=[]) for _ in range(25)]
        session.add_all(customers)
        session.flush()
        ids = [c.id for c in customers]
        service = session.scalar(select(Service).where(Service.code == "bookbinding"))
        assert service.capacity == 6
        for customer_id in ids[:5]:
            assert booking.book(session, customer_id, service, saturday, channel="line", address=f"U{customer_id}", now=now)
    barrier = threading.Barrier(20)
    results: list[bool] = []
    lock = threading.Lock()

    def race(customer_id: int) -> None:
        with runtime.sessions() as session:
            service = session.scalar(select(Service).where(Service.code == "bookbinding"))
            barrier.wait()
            won = booking.book(session, customer_id, service, saturday, channel="line", address=f"U{customer_id}", now=now)
            session.commit()
        with lock:
            results.append(won is not None)

    threads = [threading.Thread(target=race, args=(customer_id,)) for customer_id in ids[5:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 20 and results.count(True) == 1
    with runtime.sessions() as session:
        assert session.scalar(select(Slot.booked)) == 6
        assert session.scalar(select(func.count()).select_from(Appointment).where(Appointment.status == "booked")) == 6
        assert session.scalar(select(func.count()).select_from(ChannelIdentity)) == 0
