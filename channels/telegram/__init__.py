"""Telegram: the Bot API adapter, its update parsing, its event loop and its local stand-in."""
