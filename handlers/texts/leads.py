"""Texts of the welcome, the lead capture dialogue, email codes and referrals."""

TEXTS = {
    "join_button": {"zh-TW": "留資料領券", "en": "Join & get coupon", "zh-CN": "留资料领券"},
    "intro": {
        "zh-TW": "謝謝您願意留下資料！只要幾個問題，隨時輸入「取消」可以停止。",
        "en": "Thanks for joining! Just a few questions; type \"cancel\" at any time to stop.",
        "zh-CN": "谢谢您愿意留下资料！只要几个问题，随时输入“取消”可以停止。",
    },
    "ask_name": {"zh-TW": "請問怎麼稱呼您？", "en": "What should we call you?", "zh-CN": "请问怎么称呼您？"},
    "ask_email": {"zh-TW": "請輸入您的 Email：", "en": "Please type your email address:", "zh-CN": "请输入您的 Email："},
    "ask_phone": {
        "zh-TW": "請按下方按鈕分享您的手機號碼（由 Telegram 驗證）。",
        "en": "Tap the button below to share your phone number (verified by Telegram).",
        "zh-CN": "请按下方按钮分享您的手机号码（由 Telegram 验证）。",
    },
    "ask_birthday_month": {"zh-TW": "您的生日在幾月？（1–12）", "en": "Which month is your birthday? (1-12)", "zh-CN": "您的生日在几月？（1–12）"},
    "ask_region": {"zh-TW": "您住在哪個地區？", "en": "Which area do you live in?", "zh-CN": "您住在哪个地区？"},
    "ask_interests": {
        "zh-TW": "您對哪些主題有興趣？可以輸入多個，用逗號分開。",
        "en": "What are you interested in? Several are fine, separated by commas.",
        "zh-CN": "您对哪些主题有兴趣？可以输入多个，用逗号分开。",
    },
    "ask_consent": {
        "zh-TW": "最後一題：您願意收到我們的優惠與新書消息嗎？（可隨時輸入「取消訂閱」停止）",
        "en": "Last one: may we send you offers and news? (Type \"unsubscribe\" any time to stop.)",
        "zh-CN": "最后一题：您愿意收到我们的优惠与新书消息吗？（可随时输入“取消订阅”停止）",
    },
    "consent_yes": {"zh-TW": "願意", "en": "Yes, please", "zh-CN": "愿意"},
    "consent_no": {"zh-TW": "不用了", "en": "No, thanks", "zh-CN": "不用了"},
    "skip": {"zh-TW": "略過", "en": "Skip", "zh-CN": "略过"},
    "share_phone": {"zh-TW": "分享手機號碼", "en": "Share my phone number", "zh-CN": "分享手机号码"},
    "bad_name": {
        "zh-TW": "「{value}」看起來不像名字，請再輸入一次（最多 50 個字）。",
        "en": "\"{value}\" does not look like a name. Please try again (up to 50 characters).",
        "zh-CN": "“{value}”看起来不像名字，请再输入一次（最多 50 个字）。",
    },
    "bad_email": {
        "zh-TW": "「{value}」不是有效的 Email 地址，請再輸入一次，例如 name@example.com。",
        "en": "\"{value}\" is not an email address. Please try again, e.g. name@example.com.",
        "zh-CN": "“{value}”不是有效的 Email 地址，请再输入一次，例如 name@example.com。",
    },
    "bad_birthday_month": {
        "zh-TW": "「{value}」不是月份，請輸入 1 到 12 的數字。",
        "en": "\"{value}\" is not a month. Please type a number from 1 to 12.",
        "zh-CN": "“{value}”不是月份，请输入 1 到 12 的数字。",
    },
    "bad_region": {
        "zh-TW": "「{value}」看起來不像地區名稱，請再輸入一次。",
        "en": "\"{value}\" does not look like a place. Please try again.",
        "zh-CN": "“{value}”看起来不像地区名称，请再输入一次。",
    },
    "bad_interests": {
        "zh-TW": "請輸入 1 到 10 個主題，用逗號分開，每個最多 30 個字。",
        "en": "Please type 1 to 10 topics separated by commas, each up to 30 characters.",
        "zh-CN": "请输入 1 到 10 个主题，用逗号分开，每个最多 30 个字。",
    },
    "phone_typed": {
        "zh-TW": "為了您的安全，我們只接受 Telegram 驗證過的號碼，請按「分享手機號碼」按鈕。",
        "en": "For your safety we only take a number Telegram has verified: please tap \"Share my phone number\".",
        "zh-CN": "为了您的安全，我们只接受 Telegram 验证过的号码，请按“分享手机号码”按钮。",
    },
    "bad_consent": {
        "zh-TW": "請回答「願意」或「不用了」。",
        "en": "Please answer \"yes\" or \"no\".",
        "zh-CN": "请回答“愿意”或“不用了”。",
    },
    "required": {
        "zh-TW": "這一項是領取優惠券需要的，不能略過。",
        "en": "We need this one for your coupon, so it cannot be skipped.",
        "zh-CN": "这一项是领取优惠券需要的，不能略过。",
    },
    "skipped_after_retry": {
        "zh-TW": "沒關係，這一項先略過。",
        "en": "No problem, let's skip that one.",
        "zh-CN": "没关系，这一项先略过。",
    },
    "paused": {
        "zh-TW": "我們先停在這裡，已填的資料都保留著。想繼續時輸入「加入會員」即可。",
        "en": "Let's pause here; what you entered is kept. Type \"join\" whenever you want to continue.",
        "zh-CN": "我们先停在这里，已填的资料都保留着。想继续时输入“加入会员”即可。",
    },
    "cancelled": {
        "zh-TW": "好的，已停止。已填的資料都保留著，想繼續時輸入「加入會員」。",
        "en": "OK, stopped. What you entered is kept; type \"join\" to continue later.",
        "zh-CN": "好的，已停止。已填的资料都保留着，想继续时输入“加入会员”。",
    },
    "done": {
        "zh-TW": "完成了，謝謝{name}！",
        "en": "All done, thank you{name}!",
        "zh-CN": "完成了，谢谢{name}！",
    },
    "coupon_issued": {
        "zh-TW": "您的見面禮優惠券：{code}（{gives}，{expiry} 前有效），結帳時出示即可使用。",
        "en": "Your welcome coupon: {code} ({gives}, valid until {expiry}). Show it at checkout.",
        "zh-CN": "您的见面礼优惠券：{code}（{gives}，{expiry} 前有效），结账时出示即可使用。",
    },
    "coupon_pending": {
        "zh-TW": "您的見面禮優惠券正在準備中，稍後會送到這裡。",
        "en": "Your welcome coupon is being prepared and will arrive here shortly.",
        "zh-CN": "您的见面礼优惠券正在准备中，稍后会送到这里。",
    },
    "coupon_needs_contact": {
        "zh-TW": "留下 Email 就能領取見面禮優惠券喔。",
        "en": "Leave your email to receive the welcome coupon.",
        "zh-CN": "留下 Email 就能领取见面礼优惠券哦。",
    },
    "your_referral_code": {
        "zh-TW": "您的推薦碼是 {code}，朋友加入時輸入「推薦碼 {code}」即可。",
        "en": "Your referral code is {code}; friends can type \"referral {code}\" when they join.",
        "zh-CN": "您的推荐码是 {code}，朋友加入时输入“推荐码 {code}”即可。",
    },
    # --- email codes ---
    "code_sent": {
        "zh-TW": "這個 Email 已經是會員了。我們寄了 6 位數驗證碼到 {email}，請在 {minutes} 分鐘內輸入。",
        "en": "This email already belongs to a member. We sent a 6-digit code to {email}; please type it within {minutes} minutes.",
        "zh-CN": "这个 Email 已经是会员了。我们寄了 6 位数验证码到 {email}，请在 {minutes} 分钟内输入。",
    },
    "code_email_subject": {"zh-TW": "{shop} 驗證碼", "en": "{shop} verification code", "zh-CN": "{shop} 验证码"},
    "code_email_body": {
        "zh-TW": "您的驗證碼是 {code}，{minutes} 分鐘內有效。若不是您本人操作，請忽略這封信。",
        "en": "Your verification code is {code}. It is valid for {minutes} minutes. If this was not you, ignore this email.",
        "zh-CN": "您的验证码是 {code}，{minutes} 分钟内有效。若不是您本人操作，请忽略这封信。",
    },
    "code_wrong": {
        "zh-TW": "驗證碼不正確，還可以再試 {left} 次。",
        "en": "That code is not right. {left} tries left.",
        "zh-CN": "验证码不正确，还可以再试 {left} 次。",
    },
    "code_not_digits": {
        "zh-TW": "請輸入 Email 裡的 6 位數驗證碼。",
        "en": "Please type the 6-digit code from the email.",
        "zh-CN": "请输入 Email 里的 6 位数验证码。",
    },
    "code_expired": {
        "zh-TW": "驗證碼已過期，請重新輸入 Email 取得新的驗證碼。",
        "en": "That code has expired. Type your email again to get a new one.",
        "zh-CN": "验证码已过期，请重新输入 Email 取得新的验证码。",
    },
    "code_locked": {
        "zh-TW": "錯誤次數太多，這組驗證碼已失效。請重新輸入 Email 取得新的驗證碼。",
        "en": "Too many wrong tries; that code no longer works. Type your email again to get a new one.",
        "zh-CN": "错误次数太多，这组验证码已失效。请重新输入 Email 取得新的验证码。",
    },
    "code_limit": {
        "zh-TW": "驗證碼寄送次數太多，請一小時後再試。",
        "en": "Too many codes were sent; please try again in an hour.",
        "zh-CN": "验证码寄送次数太多，请一小时后再试。",
    },
    "resend": {"zh-TW": "重寄驗證碼", "en": "Send a new code", "zh-CN": "重寄验证码"},
    "other_email": {"zh-TW": "換一個 Email", "en": "Use another email", "zh-CN": "换一个 Email"},
    "linked": {
        "zh-TW": "驗證成功！已把這個聊天連結到您的會員資料。",
        "en": "Verified! This chat is now linked to your membership.",
        "zh-CN": "验证成功！已把这个聊天连接到您的会员资料。",
    },
    # --- contact share, referrals ---
    "phone_saved": {"zh-TW": "已收到您的手機號碼，謝謝！", "en": "Thanks, we saved your phone number.", "zh-CN": "已收到您的手机号码，谢谢！"},
    "phone_not_yours": {
        "zh-TW": "只能分享您自己的聯絡資料喔。",
        "en": "Please share your own contact, not someone else's.",
        "zh-CN": "只能分享您自己的联系资料哦。",
    },
    "referral_saved": {
        "zh-TW": "已記錄推薦人，謝謝您！",
        "en": "Thanks, we recorded who referred you.",
        "zh-CN": "已记录推荐人，谢谢您！",
    },
    "referral_unknown": {
        "zh-TW": "找不到推薦碼「{code}」，請確認後再輸入一次。",
        "en": "We could not find the referral code \"{code}\". Please check it and try again.",
        "zh-CN": "找不到推荐码“{code}”，请确认后再输入一次。",
    },
    "referral_own": {"zh-TW": "這是您自己的推薦碼喔。", "en": "That is your own referral code.", "zh-CN": "这是您自己的推荐码哦。"},
    "referral_already": {
        "zh-TW": "您的推薦人已經記錄過了。",
        "en": "Your referrer is already recorded.",
        "zh-CN": "您的推荐人已经记录过了。",
    },
}
