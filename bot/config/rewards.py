"""[[rewards]]: what customers can spend points on. Each reward costs points and gives a coupon of
a template, optionally limited per customer and in total stock. Synced into the database at start
(like coupon templates); once an admin edits a reward in the console, the console owns it."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from bot.config.fields import Int, LanguageText, at_least, codes_once, rule, section

REWARD_CODE_CHARS = 20  # a reward's code travels in button data: Telegram allows 64 bytes


def _is_reward_code(code: str) -> bool:
    return bool(code) and code.replace("_", "").replace("-", "").isalnum() and code.isascii() and len(code) <= REWARD_CODE_CHARS


@section
class RewardEntry:
    code: Annotated[str, rule(_is_reward_code, f"expected letters, digits, - or _ (at most {REWARD_CODE_CHARS}), got {{value!r}}")]
    name: LanguageText
    points: Annotated[Int, at_least(1)]
    coupon_template: str
    per_customer_limit: Annotated[Int, rule(lambda limit: limit >= 0, "must be 0 (no limit) or more")] = 0
    stock: Annotated[Int, rule(lambda stock: stock >= -1, "must be -1 (unlimited) or a number of items")] = -1


Rewards = Annotated[tuple[RewardEntry, ...], AfterValidator(codes_once("rewards", "is defined twice"))]
