"""zh-TW for the admin's complaint phrase lists page (bot/console/templates/console/admin_complaints.html)
and for the reasons bot/crm/complaint_phrases.py gives when it refuses a list (its MESSAGES; the view
translates them with their placeholders filled). Merged into ZH_TW in catalog.py."""

PHRASES_ZH_TW: dict[str, str] = {
    "Edited in the console: these lists are in force and config.toml's [complaints] is no longer read.":
        "已在管理後台編輯：目前使用這裡的清單，不再讀取 config.toml 的 [complaints]。",
    "Last saved by {who} at {when}.": "最後由 {who} 於 {when} 儲存。",
    "These lists come from config.toml's [complaints]. Once you save them here, the console's lists are in force and "
    "config.toml's are no longer read.":
        "這些清單來自 config.toml 的 [complaints]。在這裡儲存後，就改用管理後台的清單，不再讀取 config.toml 的設定。",
    "One phrase per line (commas also separate). Capital letters and full-width letters do not matter. At most {length} "
    "characters per phrase and {count} phrases per list.":
        "每行一個關鍵字（也可用逗號分隔），不分大小寫與全形半形。每個關鍵字最多 {length} 個字，每個清單最多 {count} 個。",
    "A message with this many or more signs of anger (!!!, SHOUTING, angry emoji) is a complaint too.":
        "訊息中的憤怒跡象（!!!、全大寫、生氣表情符號）達到這個數量以上，也視為客訴。",
    "There are three kinds of signs, so 4 or more turns this off.": "跡象共有三種，所以設為 4 以上等於關閉此功能。",
    "Forget the lists saved here and use config.toml's [complaints] again.": "捨棄這裡儲存的清單，改回使用 config.toml 的 [complaints]。",
    "Reset to config.toml": "還原為 config.toml 設定",
    "Read-only: change [sla] and [business] in config.toml and restart.": "唯讀：請修改 config.toml 的 [sla] 與 [business] 後重新啟動。",
    "Complaint phrases saved. The bot uses them from the next message.": "客訴關鍵字已儲存，機器人從下一則訊息開始使用。",
    "Complaint phrases reset to config.toml's [complaints].": "客訴關鍵字已還原為 config.toml 的 [complaints]。",
    # bot/crm/complaint_phrases.py MESSAGES
    "Add at least one complaint phrase: with none, complaints put in words are never recognised and no ticket is opened for them.":
        "請至少加入一個客訴關鍵字：清單是空的，機器人就認不出用文字表達的客訴，也不會為它們開案件。",
    "“{phrase}” has {length} characters; a phrase may have at most {limit}.": "「{phrase}」有 {length} 個字；每個關鍵字最多 {limit} 個字。",
    "“{phrase}” is only punctuation, so it would never match a message.": "「{phrase}」只有標點符號，永遠不會比對到任何訊息。",
    "This list has {count} phrases; a list may have at most {limit}.": "這個清單有 {count} 個關鍵字；每個清單最多 {limit} 個。",
    "Enter the tone threshold: a whole number of at least 1, like 2.": "請輸入語氣門檻：至少為 1 的整數，例如 2。",
    "“{value}” is not a whole number; enter a number of at least 1, like 2.": "「{value}」不是整數；請輸入至少為 1 的數字，例如 2。",
    "The tone threshold must be at least 1 (0 would make every message a complaint).": "語氣門檻至少為 1（設為 0 會讓每則訊息都變成客訴）。",
}
