"""Texts of complaints, tickets, staff alerts and satisfaction surveys."""

TEXTS = {
    "apology": {
        "zh-TW": "非常抱歉讓您有不好的經驗。已經轉給專人處理（案件編號 {id}），我們會在 {due} 前回覆您。",
        "en": "We are very sorry for this experience. A member of our team is taking over (case {id}) and will answer "
              "you by {due}.",
        "zh-CN": "非常抱歉让您有不好的体验。已经转给专人处理（案件编号 {id}），我们会在 {due} 前回复您。",
    },
    "handover": {
        "zh-TW": "好的，已為您轉接專人（案件編號 {id}），我們會在 {due} 前回覆您。",
        "en": "Sure, a member of our team will take over (case {id}) and answer you by {due}.",
        "zh-CN": "好的，已为您转接专人（案件编号 {id}），我们会在 {due} 前回复您。",
    },
    "human_button": {"zh-TW": "找真人", "en": "Talk to a human", "zh-CN": "找真人"},
    "book_button": {"zh-TW": "預約", "en": "Book", "zh-CN": "预约"},
    "priority_1": {"zh-TW": "緊急", "en": "URGENT", "zh-CN": "紧急"},
    "priority_2": {"zh-TW": "高", "en": "high", "zh-CN": "高"},
    "priority_3": {"zh-TW": "一般", "en": "normal", "zh-CN": "一般"},
    "category_complaint": {"zh-TW": "客訴", "en": "complaint", "zh-CN": "投诉"},
    "category_human_request": {"zh-TW": "轉真人", "en": "human request", "zh-CN": "转人工"},
    "staff_new": {
        "zh-TW": "[{priority}] 新{category} #{id}（{channel}，顧客 {customer}，等級 {tier}）：{excerpt}\n"
                 "首次回覆期限 {first_due}，解決期限 {resolution_due}",
        "en": "[{priority}] New {category} #{id} ({channel}, customer {customer}, tier {tier}): {excerpt}\n"
              "First response by {first_due}, resolve by {resolution_due}",
        "zh-CN": "[{priority}] 新{category} #{id}（{channel}，顾客 {customer}，等级 {tier}）：{excerpt}\n"
                 "首次回复期限 {first_due}，解决期限 {resolution_due}",
    },
    "staff_new_subject": {
        "zh-TW": "[{priority}] 新{category} #{id}", "en": "[{priority}] New {category} #{id}", "zh-CN": "[{priority}] 新{category} #{id}",
    },
    "breach_first_response": {
        "zh-TW": "⚠ 案件 #{id} 超過首次回覆期限（{due}），已升級給主管 {supervisor}。",
        "en": "⚠ Case #{id} missed its first-response deadline ({due}); escalated to {supervisor}.",
        "zh-CN": "⚠ 案件 #{id} 超过首次回复期限（{due}），已升级给主管 {supervisor}。",
    },
    "breach_resolution": {
        "zh-TW": "⚠ 案件 #{id} 超過解決期限（{due}），已升級給主管 {supervisor}。",
        "en": "⚠ Case #{id} missed its resolution deadline ({due}); escalated to {supervisor}.",
        "zh-CN": "⚠ 案件 #{id} 超过解决期限（{due}），已升级给主管 {supervisor}。",
    },
    "reopened_low_score": {
        "zh-TW": "⚠ 案件 #{id} 的滿意度只有 {score} 分，已重新開啟並交給主管 {supervisor}。",
        "en": "⚠ Case #{id} was rated {score}/5; it is reopened and assigned to {supervisor}.",
        "zh-CN": "⚠ 案件 #{id} 的满意度只有 {score} 分，已重新开启并交给主管 {supervisor}。",
    },
    # --- surveys ---
    "survey_ticket": {
        "zh-TW": "您的問題（案件 {id}）已處理完成。請為這次的服務打個分數（1 最差，5 最好）：",
        "en": "Your case {id} is resolved. How would you rate our service? (1 = poor, 5 = excellent)",
        "zh-CN": "您的问题（案件 {id}）已处理完成。请为这次的服务打个分数（1 最差，5 最好）：",
    },
    "survey_order": {
        "zh-TW": "謝謝您在{shop}的消費！請為這次的購物體驗打個分數（1 最差，5 最好）：",
        "en": "Thank you for shopping at {shop}! How was your experience? (1 = poor, 5 = excellent)",
        "zh-CN": "谢谢您在{shop}的消费！请为这次的购物体验打个分数（1 最差，5 最好）：",
    },
    "survey_thanks": {"zh-TW": "謝謝您的評分！", "en": "Thank you for your rating!", "zh-CN": "谢谢您的评分！"},
    "survey_sorry": {
        "zh-TW": "很抱歉沒能讓您滿意，主管會親自與您聯絡。",
        "en": "We are sorry we did not do better. A supervisor will contact you personally.",
        "zh-CN": "很抱歉没能让您满意，主管会亲自与您联系。",
    },
    "survey_done": {
        "zh-TW": "這份問卷已經回答過了，謝謝！", "en": "You already answered this one, thank you!", "zh-CN": "这份问卷已经回答过了，谢谢！",
    },
    "survey_unknown": {
        "zh-TW": "找不到這份問卷，可能已經過期了。",
        "en": "We could not find that survey; it may have expired.",
        "zh-CN": "找不到这份问卷，可能已经过期了。",
    },
}
