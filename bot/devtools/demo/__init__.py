"""A demo bookshop with 18 months of history, for trying the console before connecting a real shop.

`python -m bot demo` fills the database; `python -m bot demo --clear` takes exactly that data out
again. Each part of the history is its own small module (catalogue, people, broadcasts, orders,
loyalty, care); `shop.generate` runs them in order inside one transaction and `rows.Rows` writes
with bulk INSERTs and registers what it made in `demo_rows`, which is how `clear` knows what to
delete without touching anything else.
"""

from bot.devtools.demo.shop import DemoExists, DemoSummary, clear, generate, present

__all__ = ["DemoExists", "DemoSummary", "clear", "generate", "present"]
