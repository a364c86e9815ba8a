"""Texts of the booking dialogue, "my bookings" and reminders."""

TEXTS = {
    "pick_service": {"zh-TW": "請選擇要預約的服務：", "en": "Which service would you like to book?", "zh-CN": "请选择要预约的服务："},
    "no_services": {
        "zh-TW": "目前沒有開放預約的服務，請稍後再試。",
        "en": "There is nothing to book at the moment. Please try again later.",
        "zh-CN": "目前没有开放预约的服务，请稍后再试。",
    },
    "pick_day": {
        "zh-TW": "{service}：請選擇日期（或點「選日期」）。",
        "en": "{service}: pick a day (or tap \"Pick a date\").",
        "zh-CN": "{service}：请选择日期（或点“选日期”）。",
    },
    "no_days": {
        "zh-TW": "{service} 在接下來 {days} 天都額滿了，抱歉！",
        "en": "{service} is fully booked for the next {days} days, sorry!",
        "zh-CN": "{service} 在接下来 {days} 天都额满了，抱歉！",
    },
    "date_picker": {"zh-TW": "選日期", "en": "Pick a date", "zh-CN": "选日期"},
    "pick_slot": {
        "zh-TW": "{service}，{day}：請選擇時段。",
        "en": "{service}, {day}: pick a time.",
        "zh-CN": "{service}，{day}：请选择时段。",
    },
    "day_full": {
        "zh-TW": "{day} 沒有空的時段了，請換一天。",
        "en": "There is no free time on {day}; please pick another day.",
        "zh-CN": "{day} 没有空的时段了，请换一天。",
    },
    "other_day": {"zh-TW": "換一天", "en": "Another day", "zh-CN": "换一天"},
    "confirm": {
        "zh-TW": "請確認預約：\n{service}\n{when}",
        "en": "Please confirm your booking:\n{service}\n{when}",
        "zh-CN": "请确认预约：\n{service}\n{when}",
    },
    "confirm_button": {"zh-TW": "確認預約", "en": "Confirm", "zh-CN": "确认预约"},
    "change_button": {"zh-TW": "換時段", "en": "Change time", "zh-CN": "换时段"},
    "quit_button": {"zh-TW": "不預約了", "en": "Never mind", "zh-CN": "不预约了"},
    "booked": {
        "zh-TW": "預約完成！{service}，{when}。我們會在前一天和當天提醒您。",
        "en": "You are booked: {service}, {when}. We will remind you before the visit.",
        "zh-CN": "预约完成！{service}，{when}。我们会在前一天和当天提醒您。",
    },
    "moved": {
        "zh-TW": "已改到 {when}（{service}）。",
        "en": "Moved to {when} ({service}).",
        "zh-CN": "已改到 {when}（{service}）。",
    },
    "taken": {
        "zh-TW": "抱歉，這個時段剛剛被訂走了。請選擇其他時段：",
        "en": "Sorry, that time was just taken. Please pick another:",
        "zh-CN": "抱歉，这个时段刚刚被订走了。请选择其他时段：",
    },
    "already_holding": {
        "zh-TW": "您已經預約了這個時段。",
        "en": "You already hold this time.",
        "zh-CN": "您已经预约了这个时段。",
    },
    "bad_service": {
        "zh-TW": "「{value}」不是可預約的服務，請從下方選擇。",
        "en": "\"{value}\" is not a service we take bookings for. Please pick one below.",
        "zh-CN": "“{value}”不是可预约的服务，请从下方选择。",
    },
    "bad_day": {
        "zh-TW": "「{value}」不是可預約的日期，請輸入例如 {example}，或從下方選擇。",
        "en": "\"{value}\" is not a day we can book. Type e.g. {example}, or pick one below.",
        "zh-CN": "“{value}”不是可预约的日期，请输入例如 {example}，或从下方选择。",
    },
    "bad_slot": {
        "zh-TW": "「{value}」不是空的時段，請從下方選擇。",
        "en": "\"{value}\" is not a free time. Please pick one below.",
        "zh-CN": "“{value}”不是空的时段，请从下方选择。",
    },
    "bad_confirm": {
        "zh-TW": "請按「確認預約」或「換時段」。",
        "en": "Please tap \"Confirm\" or \"Change time\".",
        "zh-CN": "请按“确认预约”或“换时段”。",
    },
    "gave_up": {
        "zh-TW": "我們先停在這裡，想預約時輸入「預約」即可。",
        "en": "Let's stop here; type \"book\" whenever you want to book.",
        "zh-CN": "我们先停在这里，想预约时输入“预约”即可。",
    },
    "quit": {"zh-TW": "好的，沒有預約。", "en": "OK, nothing was booked.", "zh-CN": "好的，没有预约。"},
    # --- my bookings ---
    "none_upcoming": {
        "zh-TW": "您目前沒有預約。輸入「預約」即可預約。",
        "en": "You have no upcoming bookings. Type \"book\" to make one.",
        "zh-CN": "您目前没有预约。输入“预约”即可预约。",
    },
    "upcoming": {"zh-TW": "您的預約：", "en": "Your bookings:", "zh-CN": "您的预约："},
    "item": {"zh-TW": "{service}，{when}", "en": "{service}, {when}", "zh-CN": "{service}，{when}"},
    "move_button": {"zh-TW": "改期", "en": "Reschedule", "zh-CN": "改期"},
    "cancel_button": {"zh-TW": "取消預約", "en": "Cancel", "zh-CN": "取消预约"},
    "keep_button": {"zh-TW": "確認會到", "en": "I'll be there", "zh-CN": "确认会到"},
    "cancelled": {
        "zh-TW": "已取消 {when} 的{service}預約。",
        "en": "Your {service} booking on {when} is cancelled.",
        "zh-CN": "已取消 {when} 的{service}预约。",
    },
    "confirmed": {"zh-TW": "好的，{when} 見！", "en": "Great, see you {when}!", "zh-CN": "好的，{when} 见！"},
    "not_found": {
        "zh-TW": "找不到這筆預約，可能已經取消或結束了。",
        "en": "We could not find that booking; it may be cancelled or over.",
        "zh-CN": "找不到这笔预约，可能已经取消或结束了。",
    },
    "reminder": {
        "zh-TW": "提醒您：{when} 有{service}的預約。",
        "en": "Reminder: your {service} booking is on {when}.",
        "zh-CN": "提醒您：{when} 有{service}的预约。",
    },
}
