"""zh-TW for every English string the console shows (keys are the English text)."""

ZH_TW: dict[str, str] = {}
