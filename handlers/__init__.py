"""One module per capability. Handlers take a `Context` and return replies, [] or None (not mine)."""
