"""Texts of opt-out, opt-in, "my data" and deletion requests."""

TEXTS = {
    "unsubscribed": {
        "zh-TW": "已為您取消訂閱，之後不會再收到優惠與活動訊息。您的提問回覆與預約提醒仍會照常送達。想再訂閱請輸入「訂閱」。",
        "en": "You are unsubscribed: no more offers or news. Answers to your questions and appointment reminders still "
              "come. Type \"subscribe\" to opt back in.",
        "zh-CN": "已为您取消订阅，之后不会再收到优惠与活动消息。您的提问回复与预约提醒仍会照常送达。想再订阅请输入“订阅”。",
    },
    "subscribed": {
        "zh-TW": "已為您訂閱優惠與活動訊息，隨時輸入「取消訂閱」即可停止。",
        "en": "You are subscribed to offers and news. Type \"unsubscribe\" any time to stop.",
        "zh-CN": "已为您订阅优惠与活动消息，随时输入“取消订阅”即可停止。",
    },
    "my_data_title": {"zh-TW": "我們保存的您的資料：", "en": "What we hold about you:", "zh-CN": "我们保存的您的资料："},
    "field_name": {"zh-TW": "稱呼", "en": "Name", "zh-CN": "称呼"},
    "field_email": {"zh-TW": "Email", "en": "Email", "zh-CN": "Email"},
    "field_phone": {"zh-TW": "手機", "en": "Phone", "zh-CN": "手机"},
    "field_birthday_month": {"zh-TW": "生日月份", "en": "Birthday month", "zh-CN": "生日月份"},
    "field_region": {"zh-TW": "地區", "en": "Region", "zh-CN": "地区"},
    "field_interests": {"zh-TW": "興趣", "en": "Interests", "zh-CN": "兴趣"},
    "field_stage": {"zh-TW": "會員階段", "en": "Stage", "zh-CN": "会员阶段"},
    "field_tier": {"zh-TW": "等級", "en": "Tier", "zh-CN": "等级"},
    "field_source": {"zh-TW": "來源", "en": "Came from", "zh-CN": "来源"},
    "field_channels": {"zh-TW": "聯絡管道", "en": "Channels", "zh-CN": "联系渠道"},
    "field_marketing": {"zh-TW": "優惠訊息", "en": "Offers and news", "zh-CN": "优惠消息"},
    "field_activity": {"zh-TW": "紀錄", "en": "Records", "zh-CN": "记录"},
    "activity": {
        "zh-TW": "訊息 {messages} 則、訂單 {orders} 筆、預約 {appointments} 筆、客服單 {tickets} 筆、評分 {surveys} 次",
        "en": "{messages} messages, {orders} orders, {appointments} appointments, {tickets} support tickets, {surveys} ratings",
        "zh-CN": "消息 {messages} 条、订单 {orders} 笔、预约 {appointments} 笔、客服单 {tickets} 笔、评分 {surveys} 次",
    },
    # what the stored codes mean, in words a customer reads (handlers/profile_words.py)
    "stage_stranger": {"zh-TW": "尚未加入會員", "en": "Not signed up yet", "zh-CN": "尚未加入会员"},
    "stage_lead": {"zh-TW": "已加入會員（尚未消費）", "en": "Signed up (no purchase yet)", "zh-CN": "已加入会员（尚未消费）"},
    "stage_first_time_buyer": {"zh-TW": "首次消費的顧客", "en": "First-time customer", "zh-CN": "首次消费的顾客"},
    "stage_repeat": {"zh-TW": "回購顧客", "en": "Returning customer", "zh-CN": "回购顾客"},
    "stage_advocate": {"zh-TW": "推薦好友的忠實顧客", "en": "Loyal customer who refers friends", "zh-CN": "推荐好友的忠实顾客"},
    "stage_other": {"zh-TW": "會員", "en": "Member", "zh-CN": "会员"},
    "source_direct": {"zh-TW": "{channel} 聊天", "en": "{channel} chat", "zh-CN": "{channel} 聊天"},
    "source_referral": {"zh-TW": "朋友推薦（推薦碼 {code}）", "en": "Referred by a friend (code {code})", "zh-CN": "朋友推荐（推荐码 {code}）"},
    "source_campaign": {"zh-TW": "活動「{name}」", "en": "Campaign \"{name}\"", "zh-CN": "活动“{name}”"},
    "marketing_on": {"zh-TW": "{channel} {state}", "en": "{channel}: {state}", "zh-CN": "{channel} {state}"},
    "list_joiner": {"zh-TW": "、", "en": ", ", "zh-CN": "、"},
    "consent_on": {"zh-TW": "接收", "en": "yes", "zh-CN": "接收"},
    "consent_off": {"zh-TW": "不接收", "en": "no", "zh-CN": "不接收"},
    "consent_unset": {"zh-TW": "未設定", "en": "not asked", "zh-CN": "未设置"},
    "none": {"zh-TW": "（無）", "en": "(none)", "zh-CN": "（无）"},
    "delete_button": {"zh-TW": "申請刪除資料", "en": "Delete my data", "zh-CN": "申请删除资料"},
    "deletion_recorded": {
        "zh-TW": "已收到您刪除資料的申請（編號 {id}），工作人員確認後會通知您。若要撤回，請按下方按鈕。",
        "en": "We received your request to delete your data (no. {id}). Staff will confirm it and let you know. "
              "Tap below to withdraw it.",
        "zh-CN": "已收到您删除资料的申请（编号 {id}），工作人员确认后会通知您。若要撤回，请按下方按钮。",
    },
    "deletion_already": {
        "zh-TW": "您的刪除申請（編號 {id}）已在處理中。",
        "en": "Your deletion request (no. {id}) is already being handled.",
        "zh-CN": "您的删除申请（编号 {id}）已在处理中。",
    },
    "withdraw_button": {"zh-TW": "撤回申請", "en": "Withdraw request", "zh-CN": "撤回申请"},
    "deletion_withdrawn": {"zh-TW": "已撤回刪除申請。", "en": "Your deletion request is withdrawn.", "zh-CN": "已撤回删除申请。"},
    "deletion_gone": {
        "zh-TW": "找不到這筆待處理的申請。",
        "en": "There is no pending request to withdraw.",
        "zh-CN": "找不到这笔待处理的申请。",
    },
    "staff_deletion": {
        "zh-TW": "資料刪除申請 #{id}：顧客 {customer}（{channel}），請到後台確認。",
        "en": "Data deletion request #{id}: customer {customer} ({channel}); please confirm in the console.",
        "zh-CN": "资料删除申请 #{id}：顾客 {customer}（{channel}），请到后台确认。",
    },
}
