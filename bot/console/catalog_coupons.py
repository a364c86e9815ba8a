"""zh-TW for the admin page of coupon templates (admin_coupon_views.py, coupon_template_form.py).

Merged into `bot.console.catalog.ZH_TW`; a file of its own so the page's words stay together.
"""

COUPON_ADMIN_ZH_TW: dict[str, str] = {
    # the page
    "Coupon templates": "優惠券範本", "New coupon template": "新優惠券範本", "What it gives": "優惠內容",
    "Percent off": "折扣（%）", "Amount off (NT$)": "折抵金額（NT$）", "Free item": "免費品項",
    "Which item (free-item coupons only)": "兌換品項（僅限免費品項券）",
    "Value (percent off, or NT$ off; not used for a free item)": "數值（折扣百分比或折抵金額；免費品項不需填）",
    "Valid for (days after issue)": "有效天數（發出後）", "Uses per coupon (1 = single use)": "每張可使用次數（1 = 單次使用）",
    "Coupons one customer may hold (0 = no limit)": "每位顧客最多可持有張數（0 = 不限）",
    "Code (letters A-Z, digits, - and _; cannot be changed later)": "代碼（英文字母 A-Z、數字、- 與 _；建立後不能更改）",
    "Valid for (days)": "有效天數", "Uses per coupon": "每張次數", "Per customer": "每人上限", "Comes from": "來源", "Issued": "已發出",
    "no limit": "不限", "retired": "已停用", "owned by the console": "由管理後台管理", "Retire": "停用", "Reactivate": "重新啟用",
    "No coupon templates yet.": "還沒有優惠券範本。",
    "Where a template comes from: a template “from config.toml” follows config.toml's [[coupon_templates]] at every start. "
    "Saving, retiring or reactivating it here makes it owned by the console: config.toml's entry with that code is then ignored "
    "(the log says so at start). Templates added here are owned by the console from the start.":
        "範本的來源：「來自 config.toml」的範本在每次啟動時依照 config.toml 的 [[coupon_templates]] 更新。"
        "在這裡儲存、停用或重新啟用後，就改由管理後台管理：config.toml 中相同代碼的設定從此不再套用（啟動時會記錄在日誌中）。"
        "在這裡新增的範本一開始就由管理後台管理。",
    "Templates are never deleted, because issued coupons point at them. Retiring one stops new coupons; "
    "coupons already issued keep what they give and their expiry.":
        "範本不會被刪除，因為已發出的優惠券仍指向它。停用範本只會停止發出新券；已發出的優惠券內容與到期日不變。",
    "config.toml hands this template out as: {uses}. Retired, it is not handed out.":
        "config.toml 會把這個範本用作：{uses}。停用後就不會再發出。",
    "config.toml also lists this code; its entry there is ignored.": "config.toml 也有這個代碼，但那裡的設定不再套用。",
    "welcome coupon": "入會禮券", "stamp card reward": "集點卡獎勵", "tier gift": "升級禮",
    # results of an action
    "Coupon template {code} saved.": "優惠券範本 {code} 已儲存。",
    "Coupon template {code} retired: no new coupons are issued from it.": "優惠券範本 {code} 已停用：不會再發出新券。",
    "Coupon template {code} is active again.": "優惠券範本 {code} 已重新啟用。",
    # what a field needs
    "Give the template a code, like SORRY20.": "請輸入範本代碼，例如 SORRY20。",
    "Use at most 40 letters A-Z, digits, - and _, starting with a letter or digit (like SORRY20).":
        "請用最多 40 個英文字母 A-Z、數字、- 與 _，並以字母或數字開頭（例如 SORRY20）。",
    "A coupon template with this code exists; codes are never reused.": "已有相同代碼的優惠券範本；代碼不能重複使用。",
    "Choose what the coupon gives: a percent off, an amount off or a free item.": "請選擇優惠內容：折扣、折抵金額或免費品項。",
    "Give a number, like 10 or 12.5.": "請輸入數字，例如 10 或 12.5。",
    "Use at most two decimal places.": "最多兩位小數。",
    "A percent coupon takes the percent off: more than 0 and less than 100 (10 means 10% off).":
        "折扣券請輸入折扣百分比：大於 0 且小於 100（10 表示打 9 折）。",
    "An amount coupon takes the NT$ off: more than 0, at most 1000000.": "折抵券請輸入折抵金額（NT$）：大於 0，最多 1000000。",
    "Give the name in the shop's default language.": "請輸入店家預設語言的名稱。",
    "A name has at most 100 characters.": "名稱最多 100 個字。",
    "A free-item coupon must say which item, in the shop's default language.": "免費品項券必須用店家預設語言寫明品項。",
    "An item has at most 100 characters.": "品項最多 100 個字。",
    "Give how many days a coupon stays valid: a whole number from 1 to 3650.": "請輸入優惠券的有效天數：1 到 3650 的整數。",
    "Give how many times one coupon can be used: a whole number from 1 (single use) to 10000.":
        "請輸入每張優惠券可使用的次數：1（單次使用）到 10000 的整數。",
    "Give how many of these one customer may hold: a whole number from 0 (no limit) to 10000.":
        "請輸入每位顧客最多可持有的張數：0（不限）到 10000 的整數。",
}
