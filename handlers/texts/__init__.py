"""Reply texts per capability, each key in zh-TW, en and zh-CN. `{shop}` is the shop's name."""
