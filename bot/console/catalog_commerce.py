"""zh-TW for the console's commerce panels and forms: points ledger, stamp card, coupons.

Merged into `bot.console.catalog.ZH_TW`; kept apart so neither file grows past a few hundred lines.
"""

COMMERCE_ZH_TW: dict[str, str] = {
    # the profile's panels
    "Balance: {points} points": "點數餘額：{points} 點", "Tier: {name}": "等級：{name}",
    "Stamp card: {card} ({filled}/{size})": "集點卡：{card}（{filled}/{size}）",
    "{code} · {template} · {status} · expires {date}": "{code} · {template} · {status} · {date} 到期", "(+{count} more)": "（另有 {count} 張）",
    "usable": "可使用", "used": "已使用", "expired": "已過期", "void": "已作廢",
    "earn": "消費累積", "referral": "推薦獎勵", "campaign": "活動贈點", "spend": "折抵", "expire": "到期", "refund": "退貨扣回",
    "adjustment": "人工調整",
}
