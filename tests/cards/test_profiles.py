"""Who the customer is: the LINE profile read through the SDK after the reply (never on its path),
within a durable look-up that survives failures; the profile's language until the customer shows
another; refreshed when older than the setting."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models import ChannelIdentity, Customer, ProfileFetch
from tests.commerce import followed_customer


def customer(db, customer_id):
    return db.get(Customer, customer_id)


def test_the_profile_is_read_after_the_reply_and_fills_name_picture_and_language(chat, db, standin, worker):
    standin.profiles[chat.user] = {"displayName": "林美 Mei", "language": "en"}
    customer_id = followed_customer(chat, db)
    assert standin.profile_reads == []  # the welcome went out without waiting for LINE's profile
    assert db.scalar(select(func.count()).select_from(ProfileFetch)) == 1
    assert worker.fetch_profiles_once() == 1
    found = customer(db, customer_id)
    assert found.display_name == "林美 Mei"
    assert found.picture_url.startswith("https://profile.line-scdn.net/")
    assert found.language == "en"  # nothing written yet: the profile's language is theirs
    assert db.scalar(select(func.count()).select_from(ProfileFetch)) == 0
    chat.say("你好，請問營業時間？")  # a known profile is not asked for again
    assert db.scalar(select(func.count()).select_from(ProfileFetch)) == 0
    assert worker.fetch_profiles_once() == 0 and standin.profile_reads == [chat.user]


def test_a_language_the_customer_has_shown_wins_over_the_profile(chat, db, standin, worker):
    standin.profiles[chat.user] = {"language": "en"}
    customer_id = followed_customer(chat, db)
    chat.say("請問你們幾點開門？")
    worker.fetch_profiles_once()
    assert customer(db, customer_id).language == "zh-TW"


def test_a_blocked_user_ends_the_look_up_and_an_outage_retries_later(chat, db, standin, worker, clock):
    standin.profiles[chat.user] = None
    customer_id = followed_customer(chat, db)
    worker.fetch_profiles_once()
    assert db.scalar(select(func.count()).select_from(ProfileFetch)) == 0
    assert customer(db, customer_id).display_name is None
    other = "U" + "2" * 32
    standin.add_fault(f"/v2/bot/profile/{other}", status=500, times=1)
    chat.send("follow", user=other)
    assert worker.fetch_profiles_once() == 1
    [fetch] = db.all(select(ProfileFetch))
    assert fetch.attempts == 1 and fetch.due_at > clock.now()
    assert worker.fetch_profiles_once() == 0  # not before its time
    clock.advance(seconds=31)
    assert worker.fetch_profiles_once() == 1
    assert db.scalar(select(func.count()).select_from(ProfileFetch)) == 0


def test_an_old_profile_is_read_again(chat, db, standin, worker, clock):
    followed_customer(chat, db)
    worker.fetch_profiles_once()
    clock.advance(days=31)
    chat.say("hi")
    assert db.scalar(select(func.count()).select_from(ProfileFetch)) == 1
    worker.fetch_profiles_once()
    identity = db.scalar(select(ChannelIdentity).where(ChannelIdentity.platform_user_id == chat.user))
    assert clock.now() - identity.profile_fetched_at < timedelta(seconds=1)
