"""zh-TW for the console's customer-care pages: tickets, appointments, privacy, services, care reports.

Merged into `bot.console.catalog.ZH_TW`; kept apart so neither file grows past a few hundred lines.
"""

CARE_ZH_TW: dict[str, str] = {
    # the queue and a ticket
    "Open tickets, the nearest SLA deadline first (first response until someone answers, then resolution), then priority and age.":
        "未結案的客訴單，SLA 期限最近的在最上面（有人回覆前看首次回覆期限，之後看解決期限），再依優先順序與等待時間。",
    "Claim": "認領", "Assign": "指派", "first response": "首次回覆", "resolution": "解決", "Ticket #{id}": "客訴單 #{id}",
    "Opened": "開單時間", "Recognised by": "辨識依據", "Escalated": "已升級", "reopened": "已重開",
    "How was it resolved?": "如何解決？", "Recovery coupon": "補償優惠券", "None": "無",
    "Resolve and hand back to the bot": "結案並交還給機器人",
    "Ticket #{id} is yours.": "客訴單 #{id} 已由您認領。", "Ticket #{id} assigned to {who}.": "客訴單 #{id} 已指派給 {who}。",
    "Ticket #{id} is unassigned.": "客訴單 #{id} 已取消指派。", "Ticket #{id} resolved: {reason}": "客訴單 #{id} 已結案：{reason}",
    "Ticket #{id} resolved; the bot answers again and the customer will be asked to rate the service.":
        "客訴單 #{id} 已結案；機器人恢復回覆，並會請顧客為服務評分。",
    "Ticket #{id} is open: resolve it to hand the conversation back to the bot.": "客訴單 #{id} 尚未結案：請先結案，才能把對話交還給機器人。",
    "This ticket is already resolved.": "這張客訴單已經結案。", "Already assigned to {who}.": "已指派給 {who}。",
    "{who} is not an active staff member or admin.": "{who} 不是啟用中的客服或管理員。", "Say how it was resolved.": "請說明如何解決。",
    "A reason can have at most {limit} characters.": "原因最多 {limit} 個字元。",
    "Answered the question": "已回答問題", "Refund given": "已退款", "Replaced the item": "已換貨", "Apologised": "已致歉",
    "Customer did not answer": "顧客未回應",
    "open": "處理中", "resolved": "已結案", "complaint": "客訴", "human_request": "要求真人",
    "first_response_breach": "超過首次回覆期限", "resolution_breach": "超過解決期限", "low_csat": "滿意度偏低",
    # profile panels
    "Deletion requests waiting for staff:": "等待客服處理的刪除資料請求：",
    "Privacy requests": "個資請求", "Survey answers": "滿意度回覆", "opened {when}": "{when} 開單", "resolved {when}": "{when} 結案",
    "upcoming": "即將到來", "booked": "已預約", "attended": "已到場", "no_show": "未到", "deletion": "刪除資料",
    "withdrawn": "已撤回", "confirmed": "已確認", "rejected": "已拒絕",
    "after ticket #{id}": "客訴單 #{id} 之後", "after order #{id}": "訂單 #{id} 之後",
    "Erase this customer's name, contact details, profile and message texts. This cannot be undone.":
        "清除這位顧客的姓名、聯絡方式、個人資料與訊息內容。此動作無法復原。",
    "Confirm deletion": "確認刪除", "Reject": "拒絕",
    "Tick the box to confirm that the customer's personal data is erased.": "請勾選方塊，確認要清除顧客的個人資料。",
    "The customer's personal data is erased.": "顧客的個人資料已清除。", "The request is closed without erasing.": "請求已結束，未清除資料。",
    "This request is already {status}.": "這個請求已經是「{status}」。",
    # appointments
    "Day": "日", "Week": "週", "View": "檢視", "Service": "服務", "Earlier": "往前", "Today": "今天", "Later": "往後",
    "{n} seats per slot": "每時段 {n} 位", "no longer offered": "已停止提供", "Time": "時間", "Seats left": "剩餘名額", "Visits": "預約",
    "Closed on this day.": "當天不開放。", "No services yet: add one under Admin → Services.": "還沒有服務項目：請到 系統管理 → 服務項目 新增。",
    "{taken} of {seats} seats": "{seats} 位中已約 {taken} 位", "Arrived": "已到場", "No-show": "未到",
    "Marked as arrived.": "已標記為到場。", "Marked as a no-show.": "已標記為未到。",
    "This visit is on {day}; mark it on the day.": "這個預約在 {day}，請當天再標記。",
    "A cancelled visit cannot be marked.": "已取消的預約無法標記。",
    # admin: services and complaint phrases
    "Services and opening hours": "服務項目與營業時間", "Complaint phrases": "客訴關鍵字",
    "The shop's hours": "店家營業時間", "Holidays": "公休日", "Business hours": "營業時間",
    "SLA clocks run only in these hours; services without hours of their own use them. Change [business] in config.toml and restart.":
        "SLA 只在這些時間計時，沒有自訂時段的服務也用這些時間。請修改 config.toml 的 [business] 後重新啟動。",
    "A service saved here is the console's from then on: config.toml's [[services]] no longer changes it. Booked visits keep their time.":
        "在這裡儲存的服務之後由管理後台管理：config.toml 的 [[services]] 不再套用。已預約的時段不變。",
    "from config.toml": "來自 config.toml", "edited in the console": "在後台編輯", "not bookable": "不開放預約",
    "Length (minutes)": "時長（分鐘）", "Seats per slot": "每時段名額",
    "Opening hours (one per line, like tue-sun 11:00-18:00; empty = the shop's hours)":
        "開放時段（每行一筆，例如 tue-sun 11:00-18:00；空白表示店家營業時間）",
    "Bookable": "開放預約", "New service": "新服務", "Code": "代碼", "Service {code} saved.": "服務 {code} 已儲存。",
    "Give the name in at least one language.": "請至少用一種語言輸入名稱。",
    "Use a short code of letters, digits, - and _ (like consult).": "請用英文字母、數字、- 與 _ 組成的短代碼（例如 consult）。",
    "A service with this code exists.": "已有相同代碼的服務。",
    "Phrases asking for a person": "要求真人的關鍵字", "Severity phrases (urgent)": "嚴重關鍵字（緊急）", "Tone": "語氣",
    "SLA (business minutes)": "SLA（營業時間分鐘數）", "Breaches are assigned to {who} and alerted.": "逾時的案件會指派給 {who} 並通知。",
    # care reports
    "Customers whose complaint was resolved, and how many bought again within 90 days of the resolution.":
        "客訴已結案的顧客，以及其中在結案後 90 天內再次購買的人數。",
    "answers": "回覆數", "average score": "平均分數", "satisfied % (4-5)": "滿意比例 %（4-5 分）", "after tickets": "客訴後",
    "tickets' average": "客訴後平均", "after orders": "購買後", "orders' average": "購買後平均", "tickets": "客訴單數",
    "first response met": "首次回覆達標", "first response missed": "首次回覆未達標", "first response on time %": "首次回覆達標率 %",
    "resolution met": "解決達標", "resolution missed": "解決未達標", "resolved on time %": "解決達標率 %", "escalated": "已升級",
    "month resolved": "結案月份", "customers with a resolved complaint": "客訴已結案顧客", "bought again within 90 days": "90 天內再次購買",
    "window still open": "觀察期未滿", "recovery rate %": "挽回率 %",
    "all, resolved over 90 days ago": "全部（結案超過 90 天）",
}
