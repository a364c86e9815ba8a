"""The demo shop's customers: who they are, where they came from, how to reach them.

About 2,000 customers joined over 18 months (more of them lately, as a shop grows), on LINE,
Telegram or email, with the shop's regions, interests and age groups, tags, some members' codes,
and marketing consent only where they gave it (with its date and the source "demo")."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.devtools.demo.catalogue import CATEGORIES
from channels import registry

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = ["怡君", "雅婷", "志明", "家豪", "淑芬", "俊傑", "佳穎", "宗翰", "詩涵", "冠宇", "欣怡", "承恩", "美玲", "建宏",
         "宜蓁", "柏翰", "思妤", "偉倫", "心怡", "子軒"]
ENGLISH = ["Amy", "Ben", "Cathy", "David", "Emma", "Frank", "Grace", "Henry", "Ivy", "Jason", "Kelly", "Leo"]
REGIONS = [("台北市", 30), ("新北市", 22), ("桃園市", 9), ("台中市", 12), ("台南市", 7), ("高雄市", 10), ("新竹市", 5),
           ("其他", 5)]
AGE_GROUPS = [("18-24", 14), ("25-34", 32), ("35-44", 27), ("45-54", 16), ("55+", 11)]
TAGS = [("親子", 10), ("學生", 8), ("作家粉絲", 6), ("讀書會常客", 5), ("團購", 3), ("企業客戶", 2)]
# lead campaigns: code, name, incentive, share of customers who came through it
CAMPAIGNS = [("fb-autumn", "FB 秋季書展廣告", "留下 Email 即送 9 折券", 18), ("ig-story", "IG 限時動態", "追蹤送書籤", 12),
             ("store-qr", "門市 QR code", "加 LINE 好友送咖啡", 22), ("book-fair", "台北國際書展攤位", "現場加入送帆布袋", 8),
             ("newsletter", "電子報訂閱", "訂閱送電子書試讀", 10)]
DEMO_SOURCE = "demo"
CHANNEL_WEIGHTS = [60, 15, 25]  # in the registry's order (LINE, Telegram, email): a Taiwanese shop lives on LINE


@dataclass
class DemoCustomer:
    index: int
    name: str
    language: str
    joined: datetime
    channels: list[str]
    region: str
    age_group: str
    interests: list[str]
    tags: list[str]
    lead_source: str | None
    email: str | None
    phone: str | None
    member_code: str | None
    birthday_month: int | None
    consent: bool
    id: int = 0
    identities: dict[str, str] = field(default_factory=dict)  # channel -> platform user id / address


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def build(rng: random.Random, count: int, now: datetime, months: int, seed: int) -> list[DemoCustomer]:
    start = now - timedelta(days=30 * months)
    span = (now - start).total_seconds()
    interests = list(CATEGORIES)
    names = list(registry.names())
    people = []
    for n in range(count):
        joined = start + timedelta(seconds=span * (rng.random() ** 0.8))  # growth: more joined lately
        language = rng.choices(["zh-TW", "en", "zh-CN"], weights=[85, 10, 5])[0]
        name = rng.choice(ENGLISH) + " " + rng.choice(SURNAMES) if language == "en" else rng.choice(SURNAMES) + rng.choice(GIVEN)
        channels = [rng.choices(names, weights=CHANNEL_WEIGHTS[:len(names)])[0]]
        if channels[0] != "email" and "email" in names and rng.random() < 0.1:
            channels.append("email")  # some also left an email address for the newsletter
        campaign = rng.choices([c[0] for c in CAMPAIGNS] + [None], weights=[c[3] for c in CAMPAIGNS] + [30])[0]
        email = f"reader{seed}-{n + 1}@demo.example" if "email" in channels or rng.random() < 0.3 else None
        people.append(DemoCustomer(
            index=n, name=name, language=language, joined=joined, channels=channels,
            region=_weighted(rng, REGIONS), age_group=_weighted(rng, AGE_GROUPS),
            interests=sorted(rng.sample(interests, rng.choice([1, 1, 2, 3]))),
            tags=sorted({_weighted(rng, TAGS) for _ in range(rng.choice([0, 0, 0, 1, 1, 2]))}),
            lead_source=campaign, email=email,
            phone=f"09{rng.randrange(10**8):08d}" if rng.random() < 0.5 else None,
            member_code=f"M{seed:02d}{n + 1:05d}" if rng.random() < 0.4 else None,
            birthday_month=rng.randint(1, 12) if rng.random() < 0.6 else None,
            consent=rng.random() < 0.7))
    return people


def customer_rows(people: list[DemoCustomer], now: datetime) -> list[dict[str, object]]:
    return [{"display_name": p.name, "language": p.language, "stage": "lead" if p.lead_source else "visitor",
             "lead_source": p.lead_source, "email": p.email, "phone": p.phone, "member_code": p.member_code,
             "birthday_month": p.birthday_month, "region": p.region, "age_group": p.age_group, "interests": p.interests,
             "tags": p.tags, "tier": 5, "created_at": p.joined, "updated_at": now} for p in people]


def identity_rows(rng: random.Random, people: list[DemoCustomer], seed: int) -> list[dict[str, object]]:
    rows = []
    for p in people:
        for channel in p.channels:
            if channel == "line":
                address = "U" + f"{rng.getrandbits(128):032x}"
            elif channel == "telegram":
                address = str(7_000_000_000 + seed * 100_000 + p.index)
            else:
                address = p.email or f"reader{seed}-{p.index + 1}@demo.example"
            p.identities[channel] = address
            rows.append({"customer_id": p.id, "channel": channel, "platform_user_id": address, "reachable": True,
                         "created_at": p.joined, "last_seen_at": p.joined})
    return rows


def consent_rows(people: list[DemoCustomer]) -> list[dict[str, object]]:
    return [{"customer_id": p.id, "channel": channel, "purpose": "marketing", "granted": True, "source": DEMO_SOURCE,
             "updated_at": p.joined} for p in people if p.consent for channel in p.channels]


def tag_change_rows(people: list[DemoCustomer]) -> list[dict[str, object]]:
    return [{"customer_id": p.id, "tag": tag, "action": "added", "source": DEMO_SOURCE, "at": p.joined}
            for p in people for tag in p.tags]


def campaign_rows(now: datetime, months: int) -> list[dict[str, object]]:
    return [{"code": code, "name": name, "incentive": incentive, "active": True,
             "created_at": now - timedelta(days=30 * months)} for code, name, incentive, _share in CAMPAIGNS]
