"""A broadcast's optional picture and card, read from the new-broadcast form.

Why the card is checked by rendering it: the Flex JSON the LINE adapter would send is built by the
same renderer and checked with the LINE stand-in's rules (`message_problem`), so a card the
console accepts is one LINE accepts; the field-level checks before it only name the field.
"""

from __future__ import annotations

from typing import Any

from bot.console.card_preview import flex_json
from bot.events import CARD_BUTTON_LIMIT, Outbound
from bot.forms import FormErrors
from bot.marketing.messages import broadcast_card, card_for
from channels.line.flex import FIELD_LIMIT, TEXT_LIMIT, TITLE_LIMIT
from channels.line.message_rules import ACTION_LABEL_LIMIT, POSTBACK_DATA_LIMIT, message_problem

URL_LIMIT = 1000
BUTTON_KINDS = ("uri", "postback")


def card_field(name: str, language: str) -> str:
    """The form field of a card's words for readers of `language` (card_title, zh-CN -> card_title_zh_CN)."""
    return f"{name}_{language.replace('-', '_')}"


def parse_card(form: Any, values: dict[str, Any], errors: FormErrors, languages: tuple[str, ...] = ()) -> None:
    """Sets values["image_url"] and values["card"] (None when not given); the card's title, text
    and button labels for each of the other `languages` go in card["translations"]."""
    image = (form.get("image_url") or "").strip()
    if image and not _https(image):
        errors.add("image_url", "must be an https:// address of at most 1000 characters")
    values["image_url"] = image or None
    title = (form.get("card_title") or "").strip()
    text = (form.get("card_text") or "").strip()
    if len(title) > TITLE_LIMIT:
        errors.add("card_title", "at most 120 characters")
    if len(text) > TEXT_LIMIT:
        errors.add("card_text", "at most 1000 characters")
    fields = _fields(form.get("card_fields") or "", errors)
    buttons = [button for number in range(1, CARD_BUTTON_LIMIT + 1) if (button := _button(form, number, errors))]
    card = {"title": title, "text": text, "fields": fields, "buttons": buttons} if title or text or fields or buttons else None
    translations = _translations(form, languages, len(buttons), errors) if card else {}
    if card and translations:
        card["translations"] = translations
    values["card"] = card
    if (card or image) and not errors:
        for language in ("", *translations):
            words = (values.get("translations") or {}).get(language) or values.get("text") or " "
            flex = flex_json(Outbound(words, card=broadcast_card(values["image_url"], card_for(card, language), words)))
            if message_problem(0, flex):
                errors.add(card_field("card_title", language) if language else "card_title", "LINE would refuse this card")


def _translations(form: Any, languages: tuple[str, ...], buttons: int, errors: FormErrors) -> dict[str, dict[str, Any]]:
    """The card's words per other language; a language left empty uses the default card."""
    found: dict[str, dict[str, Any]] = {}
    for language in languages:
        title = (form.get(card_field("card_title", language)) or "").strip()
        text = (form.get(card_field("card_text", language)) or "").strip()
        labels = [(form.get(card_field(f"button{n}_label", language)) or "").strip() for n in range(1, buttons + 1)]
        if len(title) > TITLE_LIMIT:
            errors.add(card_field("card_title", language), "at most 120 characters")
        if len(text) > TEXT_LIMIT:
            errors.add(card_field("card_text", language), "at most 1000 characters")
        for number, label in enumerate(labels, start=1):
            if len(label) > ACTION_LABEL_LIMIT:
                errors.add(card_field(f"button{number}_label", language), "a button's label is 1 to 20 characters")
        if title or text or any(labels):
            found[language] = {"title": title, "text": text, "buttons": labels}
    return found


def _fields(raw: str, errors: FormErrors) -> list[dict[str, str]]:
    """One "label: value" a line (a full-width colon too, as typed in Chinese)."""
    fields = []
    for line in raw.replace("：", ":").splitlines():
        if not line.strip():
            continue
        label, colon, value = line.partition(":")
        if not colon or not label.strip() or not value.strip():
            errors.add("card_fields", "write each field as label: value")
            continue
        fields.append({"label": label.strip()[:40], "value": value.strip()[:200]})
    if len(fields) > FIELD_LIMIT:
        errors.add("card_fields", "at most 8 fields")
    return fields


def _button(form: Any, number: int, errors: FormErrors) -> dict[str, str] | None:
    label = (form.get(f"button{number}_label") or "").strip()
    data = (form.get(f"button{number}_data") or "").strip()
    kind = form.get(f"button{number}_kind") or "uri"
    if not label and not data:
        return None
    field = f"button{number}"
    if kind not in BUTTON_KINDS:
        errors.add(field, "choose a link or a postback")
    elif not 1 <= len(label) <= ACTION_LABEL_LIMIT:
        errors.add(field, "a button's label is 1 to 20 characters")
    elif kind == "uri" and not _https(data):
        errors.add(field, "a link must be an https:// address of at most 1000 characters")
    elif kind == "postback" and not 1 <= len(data) <= POSTBACK_DATA_LIMIT:
        errors.add(field, "a postback is 1 to 300 characters")
    return {"label": label, "data": data, "action": kind}


def _https(url: str) -> bool:
    return url.startswith("https://") and len(url) <= URL_LIMIT and " " not in url
