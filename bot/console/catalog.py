"""zh-TW for every English string the console shows (keys are the English text); the
customer-care pages' words live in catalog_care.py and are merged in below.

tests/console/test_catalog.py checks that each `_("...")` in the templates and views has an entry.
"""

from bot.console.catalog_care import CARE_ZH_TW
from bot.console.catalog_commerce import COMMERCE_ZH_TW
from bot.console.catalog_coupons import COUPON_ADMIN_ZH_TW
from bot.console.catalog_labels import LABELS_ZH_TW
from bot.console.catalog_phrases import PHRASES_ZH_TW

ZH_TW: dict[str, str] = {
    # navigation and common words
    "Console": "管理後台", "Menu": "選單", "Queue": "客服佇列", "Customers": "顧客", "Segments": "分眾", "Broadcasts": "群發訊息",
    "Lead campaigns": "名單活動", "Reports": "報表", "Admin": "系統管理", "Account": "帳號", "Sign out": "登出", "Sign in": "登入",
    "Email": "Email", "Password": "密碼", "Search": "搜尋", "Filter": "篩選", "All": "全部", "Save": "儲存", "Add": "新增",
    "Delete": "刪除", "Cancel": "取消", "Pause": "暫停", "Resume": "繼續", "Show": "顯示", "Send": "送出", "Name": "名稱",
    "Status": "狀態", "Channel": "頻道", "Channels": "頻道", "Text": "內容", "Title": "標題", "Order": "排序", "Role": "角色",
    "Reason": "原因", "Group": "組別", "Source": "來源", "yes": "是", "no": "否", "required": "必填", "min": "最少", "max": "最多",
    "from": "從", "until": "到", "Back to the console": "回到管理後台", "Download CSV": "下載 CSV",
    # roles and states
    "staff": "客服", "marketer": "行銷", "admin": "管理員", "active": "啟用中", "deactivated": "已停用",
    "pending": "等待中", "sent": "已送達", "failed": "失敗", "paused": "已暫停", "cancelled": "已取消", "scheduled": "已排程",
    "recurring": "定期", "sending": "發送中", "planning": "規劃中", "done": "已完成", "delivered": "已送達", "waiting": "等待中",
    "treated": "發送組", "control": "對照組", "skipped": "略過", "no_consent": "未同意行銷", "unreachable": "無法聯絡",
    "skipped: no consent": "略過：未同意行銷", "skipped: unreachable": "略過：無法聯絡",
    "urgent": "緊急", "high": "高", "normal": "一般", "low": "低", "left": "剩餘", "overdue": "已逾時",
    "stranger": "陌生人", "visitor": "訪客", "lead": "潛在顧客", "customer": "顧客", "repeat": "回購顧客", "advocate": "忠實推薦者",
    "bot": "機器人", "us": "我們", "marketing": "行銷訊息", "transactional": "交易通知",
    "text": "文字", "image": "圖片", "sticker": "貼圖", "follow": "加入好友", "unfollow": "封鎖", "postback": "按鈕",
    "location": "位置", "attachment": "檔案", "join": "加入群組", "leave": "離開群組", "unsend": "收回", "contact": "聯絡資料",
    "preferred": "顧客慣用且可聯絡的頻道", "line": "LINE", "telegram": "Telegram", "email": "Email",
    "daily": "每天", "weekly": "每週", "Monday": "星期一", "Tuesday": "星期二", "Wednesday": "星期三", "Thursday": "星期四",
    "Friday": "星期五", "Saturday": "星期六", "Sunday": "星期日",
    # sign in, account, errors
    "Your session ended; please sign in again.": "登入已逾時，請重新登入。", "Wrong email or password.": "Email 或密碼錯誤。",
    "Too many wrong passwords. Try again in {minutes} minutes.": "密碼錯誤次數過多，請 {minutes} 分鐘後再試。",
    "Change password": "變更密碼", "Current password": "目前密碼", "New password": "新密碼", "New password again": "再輸入一次新密碼",
    "Wrong password.": "密碼錯誤。", "The two new passwords differ.": "兩次輸入的新密碼不同。",
    "Password must have at least 10 characters.": "密碼至少需要 10 個字元。", "Password changed.": "密碼已變更。",
    "Bad request": "請求有誤", "Not allowed": "沒有權限", "Not found": "找不到頁面", "Cannot do that now": "目前無法執行",
    "Too large": "內容太大", "Too many attempts": "嘗試次數過多", "Error": "錯誤",
    # queue
    "Priority": "優先順序", "Assignee": "負責人", "Me": "我", "Unassigned": "未指派", "SLA": "SLA", "Customer": "顧客",
    "Last message": "最後訊息", "Nothing waiting.": "目前沒有待處理的對話。",
    "Showing the first {shown} of {total}.": "顯示前 {shown} 筆，共 {total} 筆。",
    # customers and conversations
    "Name, email, phone, #id or a coupon code": "姓名、Email、電話、#編號或優惠碼",
    "No customer found.": "找不到顧客。", "Stage": "階段", "Tier": "等級",
    "Phone": "電話", "Conversation": "對話", "Group chat": "群組對話", "handled by people": "真人處理中", "handled by the bot": "機器人處理中",
    "Older messages": "較早的訊息", "(taken back by the customer)": "（顧客已收回）", "No messages yet.": "還沒有訊息。",
    "Canned reply": "罐頭回覆", "Reply on {channel}": "以 {channel} 回覆", "Hand back to the bot": "交還給機器人", "Take over": "改由真人接手",
    "Reply queued; its delivery status shows beside it.": "回覆已排入發送，送達狀態顯示在訊息旁。",
    "You are handling this conversation; the bot stays quiet.": "這段對話由您處理，機器人暫停回覆。", "Handed back to the bot.": "已交還給機器人。",
    "Write a reply first.": "請先輸入回覆內容。", "Write the note first.": "請先輸入備註。",
    "Profile": "顧客資料", "Lead source": "名單來源", "Language": "語言", "Region": "地區", "Age group": "年齡層", "Interests": "興趣",
    "Tags": "標籤", "Purchases": "消費", "Consent": "同意紀錄", "No consent recorded.": "沒有同意紀錄。", "Conversations": "對話",
    "Points and ledger": "點數與明細", "Coupons": "優惠券", "Appointments": "預約", "Tickets": "客訴單",
    "Recent purchases": "最近消費", "Amount (NT$)": "金額（NT$）", "Items (comma-separated)": "品項（以逗號分隔）",
    "When (empty = now)": "時間（空白表示現在）",
    "Record purchase": "記錄消費", "Purchase of NT${amount} recorded.": "已記錄消費 NT${amount}。",
    "This purchase was already recorded.": "這筆消費已經記錄過了。",
    "Internal notes": "內部備註", "Add note": "新增備註", "Note saved.": "備註已儲存。",
    # segments
    "New segment": "新分眾", "RFM scores (1-5)": "RFM 分數（1-5）", "Recency": "最近消費", "Frequency": "消費頻率", "Monetary": "消費金額",
    "Bought within the last N days": "最近 N 天內有消費", "No purchase for N days": "超過 N 天沒有消費", "Number of purchases": "消費次數",
    "Profile (comma-separated, any of)": "顧客資料（以逗號分隔，符合任一即可）", "Regions": "地區", "Age groups": "年齡層",
    "Channel and consent": "頻道與同意", "Reachable on": "可聯絡的頻道", "Any channel": "任何頻道", "Marketing consent": "行銷同意",
    "Either": "不限", "Given": "已同意", "Not given": "未同意", "Save segment": "儲存分眾", "Members": "成員", "Saved segments": "已儲存的分眾",
    "Segment saved.": "分眾已儲存。", "Segment deleted.": "分眾已刪除。", "A segment with this name exists already.": "已有同名的分眾。",
    # broadcasts
    "New broadcast": "新群發", "No broadcast yet.": "還沒有群發訊息。", "Send at": "發送時間", "Channel policy": "頻道策略",
    "Control group": "對照組", "Segment": "分眾", "Save a segment first.": "請先儲存一個分眾。",
    "Schedule": "排程", "Now": "立即", "At": "指定時間", "Recurring": "定期", "Weekday": "星期", "Time of day": "時間",
    "Pacing": "發送節奏", "Quiet hours": "勿擾時段", "At most this many recipients a minute (empty = no cap)": "每分鐘最多發送人數（空白表示不限）",
    "Measurement": "成效評估", "Control group (% held out, sent nothing)": "對照組（保留百分比，不發送）", "Results window (days)": "成效觀察天數",
    "Only customers with marketing consent on the chosen channel are included.": "只會發送給在該頻道同意接收行銷訊息的顧客。",
    "Save broadcast": "儲存群發", "Broadcast saved.": "群發已儲存。", "Broadcast paused.": "群發已暫停。", "Broadcast resumed.": "群發已繼續。",
    "Broadcast cancelled.": "群發已取消。", "Progress": "發送進度", "Recipients": "收件人", "Each recipient's status": "每位收件人的狀態",
    "Results": "成效", "Purchases within (days)": "觀察期間內消費（天）", "Bought": "有消費", "Purchase rate": "購買率",
    "Sent the message": "收到訊息",
    "The message raised the purchase rate from {control} to {treated}.": "此訊息讓購買率從 {control} 提高到 {treated}。",
    "The message lowered the purchase rate from {control} to {treated}.": "此訊息讓購買率從 {control} 降到 {treated}。",
    "Purchase rate {treated} with the message and {control} without; the difference could be chance.":
        "收到訊息的購買率為 {treated}，對照組為 {control}；差異可能只是偶然。",
    "No control group, so the lift cannot be measured. Purchase rate of the recipients: {treated}.":
        "沒有對照組，無法衡量成效。收件人的購買率：{treated}。",
    "Difference {diff} percentage points; 95 % interval {low} to {high}.": "差異 {diff} 個百分點；95% 信賴區間 {low} 至 {high}。",
    "Window: {start} to {end}.": "觀察期間：{start} 至 {end}。",
    "The window is still open; the figures will change.": "觀察期間尚未結束，數字仍會變動。",
    "Coupon redemptions": "優惠券使用", "Results appear once the broadcast has been sent.": "群發送出後會顯示成效。",
    "Definition": "設定", "Rate cap": "速率上限", "Planned": "規劃時間", "Occurrences": "各次發送",
    # campaigns
    "Set [console] telegram_bot_username in config.toml to get Telegram deep links and QR codes.":
        "請在 config.toml 設定 [console] telegram_bot_username，才能產生 Telegram 深層連結與 QR code。",
    "Leads": "名單數", "First purchases": "首購數", "Download QR code": "下載 QR code", "QR code for {code}": "{code} 的 QR code",
    "No campaign yet.": "還沒有名單活動。", "New campaign": "新名單活動", "Source code": "來源代碼", "Incentive": "誘因",
    "Save campaign": "儲存活動", "All lead sources": "所有名單來源", "Campaign saved.": "活動已儲存。", "This code is taken.": "這個代碼已被使用。",
    "1-40 characters: a-z, 0-9, _ or -": "1 到 40 個字元：a-z、0-9、_ 或 -",
    # reports
    "Lifecycle funnel": "顧客生命週期漏斗", "Tier pyramid": "顧客價值金字塔", "RFM grid": "RFM 分布", "Monthly retention and churn": "每月留存與流失",
    "Campaign lift": "活動成效", "No data yet.": "還沒有資料。", "CSAT over time": "滿意度趨勢", "SLA compliance": "SLA 達成率",
    "Complaint recovery rate": "客訴挽回率", "stage": "階段", "customers": "顧客數", "share of contacts %": "占全部聯絡人 %",
    "contacts": "聯絡人", "leads": "潛在顧客", "first purchase": "首購", "advocates": "忠實推薦者", "tier": "等級",
    "share of customers %": "顧客占比 %", "revenue": "營收", "share of revenue %": "營收占比 %", "recency \\ frequency": "最近消費 \\ 頻率",
    "unscored": "未評分", "month": "月份", "buyers": "購買人數", "new buyers": "新購買人數", "kept from previous month": "上月留存人數",
    "retention %": "留存率 %", "churn %": "流失率 %", "broadcast": "群發", "name": "名稱", "treated buy %": "發送組購買率 %",
    "control buy %": "對照組購買率 %", "difference (points)": "差異（百分點）", "95% low": "95% 下限", "95% high": "95% 上限",
    # admin
    "Users": "使用者", "Canned replies": "罐頭回覆", "FAQ answers": "常見問答", "Add a user": "新增使用者", "Last sign-in": "最後登入",
    "Activate": "啟用", "Deactivate": "停用", "User updated.": "使用者已更新。", "Password for {email}:": "{email} 的密碼：",
    "(shown once: pass it on now)": "（只顯示這一次，請立即轉交）",
    "New canned reply": "新罐頭回覆", "Canned reply saved.": "罐頭回覆已儲存。", "Canned reply deleted.": "罐頭回覆已刪除。",
    "The bot answers these keywords. The list started as a copy of config.toml's [[faq]]; from now on it is edited here.":
        "機器人會回答這些關鍵字。清單一開始複製自 config.toml 的 [[faq]]，之後都在這裡編輯。",
    "Keywords (comma-separated)": "關鍵字（以逗號分隔）", "Answer": "回答", "New FAQ answer": "新問答", "FAQ answer saved.": "問答已儲存。",
    "FAQ answer deleted.": "問答已刪除。", "Give at least one keyword.": "請至少輸入一個關鍵字。",
    "Give the answer in at least one language.": "請至少用一種語言輸入回答。",
    "Sandbox mode: LINE is the local stand-in, not the real LINE.": "沙盒模式：LINE 連到本機模擬器，不是真正的 LINE。",
    "Set [web] public_url (the address LINE and Telegram reach) to see the webhook URLs to paste.":
        "請設定 [web] public_url（LINE 與 Telegram 連得到的網址），才會顯示要貼上的 webhook 網址。",
    "Configured": "已設定", "Webhook URL to paste": "要貼上的 Webhook 網址",
}
ZH_TW.update(CARE_ZH_TW)
ZH_TW.update(COMMERCE_ZH_TW)
ZH_TW.update(PHRASES_ZH_TW)
ZH_TW.update(COUPON_ADMIN_ZH_TW)
ZH_TW.update(LABELS_ZH_TW)
