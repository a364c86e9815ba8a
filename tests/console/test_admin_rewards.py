"""The rewards catalogue in the admin console: add one (checked first), change its stock; the
console owns it from then on, so the start-up sync from config.toml leaves it alone."""

from __future__ import annotations

from sqlalchemy import select

from bot.crm.rewards import sync_rewards
from models import Reward


def test_an_admin_adds_and_restocks_a_reward_and_config_leaves_it_alone(console, runtime, db):
    admin = console("admin")
    bad = admin.post("/console/admin/rewards", {"code": "TOTE", "name_zh-TW": "帆布袋", "points": "0",
                                               "coupon_template": "FREECOFFEE", "stock": "x"})
    assert bad.status_code == 400 and 'id="error-points"' in bad.text and 'id="error-stock"' in bad.text
    assert db.scalar(select(Reward).where(Reward.code == "TOTE")) is None
    made = admin.post("/console/admin/rewards", {"code": "tote", "name_zh-TW": "帆布袋", "points": "500",
                                                "coupon_template": "FREECOFFEE", "stock": "20"})
    assert made.status_code == 200 and "TOTE" in made.text
    tote = db.scalar(select(Reward).where(Reward.code == "TOTE"))
    assert (tote.points, tote.stock, tote.origin, tote.active) == (500, 20, "console", True)
    coffee = db.scalar(select(Reward).where(Reward.code == "COFFEE"))
    admin.post(f"/console/admin/rewards/{coffee.id}", {"name_zh-TW": "免費咖啡", "points": "90",
                                                      "coupon_template": "FREECOFFEE", "stock": "5"})
    with runtime.sessions.begin() as session:
        sync_rewards(session, runtime.settings)  # the next start: config says 100 points, unlimited
    coffee = db.scalar(select(Reward).where(Reward.code == "COFFEE"))
    assert (coffee.points, coffee.stock, coffee.origin) == (90, 5, "console")
    assert console("staff").get("/console/admin/rewards").status_code == 403
    assert console("marketer").post("/console/admin/rewards", {"code": "X"}).status_code == 403
