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
    # redeeming a coupon and adjusting points by hand
    "Coupons and points": "優惠券與點數", "Coupon code": "優惠碼", "Redeem coupon": "核銷優惠券", "Points (+ or -)": "點數（正或負）",
    "Adjust points": "調整點數", "Type the coupon code.": "請輸入優惠碼。",
    "The form has expired; reload the page and try again.": "表單已過期，請重新整理頁面再試一次。",
    "No coupon with this code.": "找不到這個優惠碼。", "This coupon belongs to another customer.": "這張優惠券屬於其他顧客。",
    "This coupon has already been used.": "這張優惠券已經使用過了。", "This coupon has expired.": "這張優惠券已過期。",
    "This coupon was cancelled.": "這張優惠券已作廢。", "This coupon cannot be used.": "這張優惠券無法使用。",
    "Coupon {code} was already redeemed by this form.": "優惠券 {code} 已由這張表單核銷過。", "Coupon {code} redeemed.": "優惠券 {code} 已核銷。",
    "Give a whole number of points, e.g. 50 or -20.": "請輸入整數點數，例如 50 或 -20。",
    "Give a non-zero number of points up to {limit}.": "請輸入不為零、最多 {limit} 的點數。", "Say why the points change.": "請說明調整點數的原因。",
    "At most {count} characters.": "最多 {count} 個字。",
    "The balance is {points} points; it cannot go below zero.": "點數餘額為 {points} 點，不能扣到負數。",
    "Points adjusted by {points}.": "點數已調整 {points}。",
    # broadcasts: a coupon per recipient, text per language, consent at send time
    "Per-customer fields: {name} {tier} {points} {coupon}. A text without fields or coupon goes to LINE by multicast.":
        "個人化欄位：{name} {tier} {points} {coupon}。沒有欄位也沒有優惠券的內容會以 LINE 群發（multicast）送出。",
    "Text in other languages (optional)": "其他語言的內容（選填）",
    "Customers who read one of these languages get its text; everyone else gets the text above.":
        "使用這些語言的顧客會收到該語言的內容，其他人收到上面的內容。",
    "Coupon for each recipient": "每位收件人一張優惠券", "Coupon": "優惠券",
    "Each recipient in the sent group gets a coupon of their own; its code goes where the text says {coupon}, or on a line after it. "
    "The control group gets none.":
        "發送組的每位收件人都會拿到自己的一張優惠券；優惠碼放在內容的 {coupon} 處，沒有的話另起一行附上。對照組不會拿到。",
    "{coupon} needs a coupon template to fill it; choose one or remove the field": "{coupon} 需要選一種優惠券才能填入；請選擇優惠券或移除這個欄位",
    "withheld": "未發送（已退訂）", "withheld: opted out since planning": "未發送：規劃後才退訂", "coupon_limit": "已持有該優惠券",
    "skipped: already holds the coupon": "略過：已持有該優惠券",
    # the purchase form's refunds: a negative amount names the purchase it takes back
    "Refund of (for a negative amount)": "退款的原消費（金額為負數時）", "— none: this is a purchase —": "—（無：這是一筆消費）—",
    "#{id} · {date} · NT${amount} · NT${left} left to refund": "#{id} · {date} · NT${amount} · 尚可退 NT${left}",
    "refund of order #{id}": "退訂單 #{id}", "Refund of NT${amount} recorded.": "已記錄退款 NT${amount}。",
    "A refund (a negative amount) must name the purchase it refunds.": "退款（負數金額）必須選擇要退的原消費。",
    "Choose the refunded purchase from the list.": "請從清單選擇要退的原消費。",
    "Only a refund (a negative amount) names a purchase: make the amount negative or choose no purchase.":
        "只有退款（負數金額）才選擇原消費：請把金額改為負數，或不要選擇消費。",
    "No such purchase.": "找不到這筆消費。", "This purchase belongs to another customer.": "這筆消費屬於其他顧客。",
    "This order is itself a refund.": "這筆訂單本身就是退款。",
    "The refund is more than the NT${left} left to refund of this purchase.": "退款金額超過這筆消費尚可退的 NT${left}。",
}
