"""The demo shop's catalogue: about 300 books in eight categories and 30 events (talks, reading
clubs, signings), with names in the three languages and believable prices."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

# category (as stored and shown; the shop's own words), then title words (zh-TW, zh-CN, en)
CATEGORIES: dict[str, list[tuple[str, str, str]]] = {
    "文學小說": [("海邊", "海边", "Seaside"), ("夜行", "夜行", "Night Walk"), ("雨季", "雨季", "Rainy Season"),
              ("舊城", "旧城", "Old Town"), ("候鳥", "候鸟", "Migrant Birds"), ("月光", "月光", "Moonlight")],
    "商業理財": [("複利", "复利", "Compounding"), ("品牌", "品牌", "Brands"), ("小店", "小店", "Small Shops"),
              ("談判", "谈判", "Negotiation"), ("現金流", "现金流", "Cash Flow"), ("顧客", "顾客", "Customers")],
    "童書": [("小熊", "小熊", "Little Bear"), ("星星", "星星", "Stars"), ("恐龍", "恐龙", "Dinosaurs"),
           ("魔法", "魔法", "Magic"), ("森林", "森林", "Forest"), ("月亮", "月亮", "Moon")],
    "藝術設計": [("字體", "字体", "Type"), ("色彩", "色彩", "Colour"), ("攝影", "摄影", "Photography"),
              ("建築", "建筑", "Architecture"), ("插畫", "插画", "Illustration"), ("版畫", "版画", "Prints")],
    "旅遊": [("京都", "京都", "Kyoto"), ("花東", "花东", "East Coast"), ("單車", "单车", "Cycling"),
           ("山屋", "山屋", "Mountain Huts"), ("離島", "离岛", "Islands"), ("老街", "老街", "Old Streets")],
    "心理勵志": [("習慣", "习惯", "Habits"), ("專注", "专注", "Focus"), ("睡眠", "睡眠", "Sleep"),
              ("自信", "自信", "Confidence"), ("對話", "对话", "Conversations"), ("勇氣", "勇气", "Courage")],
    "飲食": [("咖啡", "咖啡", "Coffee"), ("麵包", "面包", "Bread"), ("台菜", "台菜", "Taiwanese Food"),
           ("茶", "茶", "Tea"), ("便當", "便当", "Lunch Boxes"), ("甜點", "甜点", "Desserts")],
    "歷史": [("大航海", "大航海", "Age of Sail"), ("古地圖", "古地图", "Old Maps"), ("茶路", "茶路", "Tea Roads"),
           ("戰後", "战后", "After the War"), ("港口", "港口", "Harbours"), ("王朝", "王朝", "Dynasties")],
}
SUFFIXES = [("之書", "之书", "Book of {}"), ("手記", "手记", "Notes on {}"), ("入門", "入门", "{}: A Primer"),
            ("的故事", "的故事", "The Story of {}"), ("練習", "练习", "Practising {}"), ("全書", "全书", "The Complete {}")]
EVENTS = [("作家講座", "作家讲座", "Author talk"), ("讀書會", "读书会", "Reading club"), ("簽書會", "签书会", "Book signing"),
          ("親子說故事", "亲子说故事", "Story time for families"), ("手工書工作坊", "手工书工作坊", "Bookbinding workshop")]
EVENT_CATEGORY = "活動"
BOOKS_PER_CATEGORY = 38
EVENT_COUNT = 30


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: dict[str, str]
    category: str
    price: Decimal
    popularity: float  # relative chance of being bought


def build(rng: random.Random) -> list[DemoProduct]:
    made: list[DemoProduct] = []
    for c_index, (category, words) in enumerate(CATEGORIES.items()):
        for n in range(BOOKS_PER_CATEGORY):
            word = words[n % len(words)]
            suffix = SUFFIXES[(n // len(words)) % len(SUFFIXES)]
            volume = n // (len(words) * len(SUFFIXES))
            extra = (f" {volume + 1}", f" {volume + 1}", f" {volume + 1}") if volume else ("", "", "")
            name = {"zh-TW": word[0] + suffix[0] + extra[0], "zh-CN": word[1] + suffix[1] + extra[1],
                    "en": suffix[2].format(word[2]) + extra[2]}
            price = Decimal(rng.choice([260, 280, 320, 350, 380, 420, 450, 480, 520, 580, 650]))
            made.append(DemoProduct(f"BK-{c_index + 1}{n + 1:03d}", name, category, price, rng.paretovariate(1.5)))
    for n in range(EVENT_COUNT):
        kind = EVENTS[n % len(EVENTS)]
        month = n % 12 + 1
        name = {"zh-TW": f"{kind[0]}（{month} 月）", "zh-CN": f"{kind[1]}（{month} 月）", "en": f"{kind[2]} ({month}/{2025 + n // 12})"}
        made.append(DemoProduct(f"EV-{n + 1:03d}", name, EVENT_CATEGORY, Decimal(rng.choice([0, 150, 200, 300, 450, 600])),
                                rng.paretovariate(2.0)))
    return made


def product_rows(products: list[DemoProduct], now: object) -> list[dict[str, object]]:
    return [{"sku": p.sku, "name": p.name, "category": p.category, "price": p.price, "active": True,
             "image_url": None, "created_at": now, "updated_at": now} for p in products]
