"""Texts of the points reply that keep points and stamps apart (the balance is 點數, the card's
marks are 章), so "20 點" and "2/10" are never read as the same thing."""

TEXTS = {
    "stamp_card": {
        "zh-TW": "集點卡：{card} {filled}/{size} 章\n每筆消費滿 {money} 蓋 1 章，集滿 {size} 章送{reward}",
        "en": "Stamp card: {card} {filled}/{size} stamps\n1 stamp per purchase of {money} or more; {size} stamps get you {reward}",
        "zh-CN": "集点卡：{card} {filled}/{size} 章\n每笔消费满 {money} 盖 1 章，集满 {size} 章送{reward}",
    },
}
