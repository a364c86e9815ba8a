"""What LINE refuses in a message, for the stand-in: the SDK's own models first (an unknown message
or Flex component type, a missing required property), then the limits the models leave to LINE's
servers (lengths, counts, HTTPS images). The stand-in answers 400 with the reason, as LINE does,
so a card we build wrongly fails a test instead of failing in front of a customer.
"""

from __future__ import annotations

from typing import Any

from linebot.v3.messaging.models import Message

from channels.line.limits import FLEX_ALT_TEXT_LIMIT, FLEX_CAROUSEL_BUBBLES, IMAGE_URL_LIMIT

TEXT_LIMIT = 5000
TEMPLATE_ALT_TEXT_LIMIT = 400
QUICK_REPLY_ITEMS = 13
ACTION_LABEL_LIMIT = 20
FLEX_ACTION_LABEL_LIMIT = 40
POSTBACK_DATA_LIMIT = 300


def message_problem(index: int, message: Any) -> str | None:
    """Why LINE would refuse `messages[index]`, or None."""
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        return f"The property, '{where}', in the request body is invalid"
    try:
        Message.from_dict(message)
    except Exception:  # the SDK raises ValueError, pydantic errors or KeyError: all mean "refused"
        return f"A message ({where}) in the request body is invalid"
    kind = message.get("type")
    if kind == "text" and not 1 <= len(message.get("text") or "") <= TEXT_LIMIT:
        return f"Length must be between 1 and {TEXT_LIMIT} ({where}.text)"
    if kind == "template" and not 1 <= len(message.get("altText") or "") <= TEMPLATE_ALT_TEXT_LIMIT:
        return f"Length must be between 1 and {TEMPLATE_ALT_TEXT_LIMIT} ({where}.altText)"
    if kind == "flex":
        problem = _flex_problem(message, where)
        if problem:
            return problem
    items = (message.get("quickReply") or {}).get("items") or []
    if len(items) > QUICK_REPLY_ITEMS:
        return f"Size must be between 0 and {QUICK_REPLY_ITEMS} ({where}.quickReply.items)"
    for number, item in enumerate(items):
        problem = _action_problem(item.get("action"), f"{where}.quickReply.items[{number}].action", ACTION_LABEL_LIMIT)
        if problem:
            return problem
    return None


def _flex_problem(message: dict[str, Any], where: str) -> str | None:
    if not 1 <= len(message.get("altText") or "") <= FLEX_ALT_TEXT_LIMIT:
        return f"Length must be between 1 and {FLEX_ALT_TEXT_LIMIT} ({where}.altText)"
    contents = message.get("contents") or {}
    if contents.get("type") == "carousel":
        bubbles = contents.get("contents") or []
        if not 1 <= len(bubbles) <= FLEX_CAROUSEL_BUBBLES:
            return f"Size must be between 1 and {FLEX_CAROUSEL_BUBBLES} ({where}.contents.contents)"
    return _component_problem(contents, f"{where}.contents")


def _component_problem(node: Any, where: str) -> str | None:
    """Walk the Flex tree: every text has words, every image an HTTPS address, every action fits."""
    if isinstance(node, list):
        for number, child in enumerate(node):
            problem = _component_problem(child, f"{where}[{number}]")
            if problem:
                return problem
        return None
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    if kind == "text" and not (node.get("text") or node.get("contents")):
        return f"must be specified text or contents ({where})"
    if kind == "image":
        url = node.get("url") or ""
        if not url.startswith("https://") or len(url) > IMAGE_URL_LIMIT:
            return f"invalid uri scheme or length ({where}.url)"
    if kind == "button" and node.get("action") is None:
        return f"must be specified ({where}.action)"
    if "action" in node and node["action"] is not None:
        problem = _action_problem(node["action"], f"{where}.action", FLEX_ACTION_LABEL_LIMIT)
        if problem:
            return problem
    for key in ("header", "hero", "body", "footer", "contents"):
        if key in node:
            problem = _component_problem(node[key], f"{where}.{key}")
            if problem:
                return problem
    return None


def _action_problem(action: Any, where: str, label_limit: int) -> str | None:
    if not isinstance(action, dict):
        return f"must be specified ({where})"
    label = action.get("label")
    if label is not None and not 1 <= len(label) <= label_limit:
        return f"Length must be between 1 and {label_limit} ({where}.label)"
    data = action.get("data")
    if data is not None and not 1 <= len(data) <= POSTBACK_DATA_LIMIT:
        return f"Length must be between 1 and {POSTBACK_DATA_LIMIT} ({where}.data)"
    return None
