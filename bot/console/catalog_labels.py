"""zh-TW for the words that replace stored codes on console pages (bot/console/labels.py), the
error pages, the timeline's pressed buttons and broadcasts, and staff tasks. Merged into ZH_TW in
catalog.py."""

LABELS_ZH_TW: dict[str, str] = {
    # stored codes in words (labels.py)
    "first_time_buyer": "首購顧客", "followed": "加入好友", "blocked": "封鎖", "a command in the chat": "在對話中下指令",
    "sign-up": "填寫會員資料", "unsubscribe link": "退訂連結", "opted out": "退訂", "marked as spam": "標為垃圾郵件",
    "Traditional Chinese": "繁體中文", "Simplified Chinese": "簡體中文", "English": "英文",
    "{channel} · joined directly": "{channel} · 直接加入", "referral code {code}": "推薦碼 {code}",
    "lead campaign {code}": "名單活動 {code}", "referral link {code}": "推薦連結 {code}",
    "entered in the console": "後台登錄", "shop system": "店家系統", "shop system {name}": "店家系統 {name}",
    "first purchase of customer #{id}": "顧客 #{id} 首購", "order #{id}": "訂單 #{id}",
    # the timeline
    "Broadcast: {name}": "群發：{name}", "Pressed “{label}”": "按了「{label}」",
    # error pages
    "Internal error": "系統錯誤",
    "The request could not be understood; go back, reload the page and try again.": "無法處理這個請求，請返回並重新整理頁面後再試一次。",
    "Your role may not open this page.": "您的角色沒有權限開啟這個頁面。",
    "Your role ({role}) may not open this page.": "您的角色（{role}）沒有權限開啟這個頁面。",
    "There is no such page, or what it showed no longer exists.": "找不到這個頁面，或頁面上的資料已不存在。",
    "This cannot be done from here.": "無法在這裡執行這個動作。",
    "This cannot be done now; reload the page to see the current state.": "目前無法執行，請重新整理頁面查看最新狀態。",
    "What was sent is too large.": "送出的內容太大。",
    "Too many attempts; wait a moment and try again.": "嘗試次數過多，請稍候再試。",
    "Something went wrong on our side. Try again; if it keeps happening, tell the administrator.":
        "系統發生錯誤，請再試一次；如果一直發生，請通知系統管理員。",
    # a purchase that moved the customer up a tier
    "The customer moved up to {tier}: gift coupon {code} ({coupon}) issued, valid until {date}.":
        "顧客升級為{tier}：已發出禮券 {code}（{coupon}），{date} 前有效。",
    # staff tasks
    "Tasks": "待辦事項", "to do": "待處理", "Mark done": "標記完成", "No task.": "目前沒有待辦事項。",
    "Task #{id} is done.": "待辦 #{id} 已完成。", "done {when}": "{when} 完成", "customer #{id}": "顧客 #{id}",
    "Calls and follow-ups the bot asks staff for, such as top-tier customers who stopped buying.":
        "機器人請客服跟進的事項，例如不再消費的高等級顧客。",
    "{who} (a top-tier customer) has not bought for {days} days; usually every {usual} days. Get in touch.":
        "{who}（高等級顧客）已 {days} 天沒有消費，平常約每 {usual} 天消費一次。請主動聯絡。",
    "The bot has sent a caring message.": "機器人已發送關懷訊息。",
}
