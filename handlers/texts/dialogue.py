"""Texts of small talk (greetings, thanks) and of the welcome offered to a customer who wrote first."""

TEXTS = {
    "greeting": {
        "zh-TW": "您好！我是{shop}的小幫手，很高興為您服務。請點選下方項目，或直接輸入您的問題。",
        "en": "Hello! I am {shop}'s assistant. Tap an option below, or just type your question.",
        "zh-CN": "您好！我是{shop}的小帮手，很高兴为您服务。请点选下方项目，或直接输入您的问题。",
    },
    "thanks": {
        "zh-TW": "不客氣！還有需要幫忙的地方，請點選下方項目或直接輸入問題。",
        "en": "You're welcome! If there is anything else, tap an option below or type your question.",
        "zh-CN": "不客气！还有需要帮忙的地方，请点选下方项目或直接输入问题。",
    },
}
