"""The journey builder's one form, without a front-end build: the steps as a tree of small
fieldsets, read back from the posted fields, with the builder's actions (add a step somewhere,
remove one, move one up or down) applied on the server before the page is shown again.

Why the whole tree travels in a hidden field: a browser without JavaScript posts only inputs; the
hidden `steps_json` carries the tree's shape (ids, kinds, branches) and the inputs named
`s.<step id>.<field>` carry what the marketer typed, which wins. Nothing is saved until "Save",
and then only when the whole journey validates (each error names the step and the field).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.crm.journeys.definition import LANGUAGES, STEP_KINDS, walk

KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    "message": {"text": {}},
    "wait": {"days": 1},
    "condition": {"if": {"tag": ""}, "yes": [], "no": []},
    "tag": {"add": ""},
    "points": {"points": 10},
    "task": {"title": ""},
    "rich_menu": {"menu": ""},
    "split": {"variants": [{"name": "a", "percent": 50, "steps": []}, {"name": "b", "percent": 50, "steps": []}]},
}
CONDITION_KINDS = ("tag", "purchased_since_entry", "event", "segment", "clicked")
SAMPLE = {"name": "王小明", "tier": "金卡會員", "points": 120, "coupon": "AB12CD34", "coupon_expires": "2026/4/30",
          "recommendations": "《小王子》、《夜行的驅魔師》", "bought_together": "《小王子》、《夜行的驅魔師》"}


def load_tree(raw: str | None) -> list[Any]:
    try:
        tree = json.loads(raw or "[]")
    except ValueError:
        return []
    return tree if isinstance(tree, list) else []


def read_fields(tree: list[Any], form: Mapping[str, str]) -> list[Any]:
    """The tree with each step's fields replaced by what the form posted for it."""
    for step in walk(tree):
        if isinstance(step, dict) and isinstance(step.get("id"), str):
            _read_step(step, form, f"s.{step['id']}.")
    return tree


def _int(value: str) -> Any:
    value = value.strip()
    return int(value) if value.isdigit() else value  # a non-number stays, for validation to name it


def _read_step(step: dict[str, Any], form: Mapping[str, str], prefix: str) -> None:
    def get(name: str) -> str:
        return (form.get(prefix + name) or "").strip()

    kind = step.get("kind")
    if prefix + "kind_seen" not in form:
        return  # not shown on the page (kept as it was)
    if kind == "message":
        step["text"] = {language: form.get(prefix + f"text.{language}", "") for language in LANGUAGES
                        if (form.get(prefix + f"text.{language}") or "").strip()}
        step["buttons"] = _buttons(form.get(prefix + "buttons", ""))
        if not step["buttons"]:
            step.pop("buttons")
        for key in ("coupon",):
            if get(key):
                step[key] = get(key)
            else:
                step.pop(key, None)
        step["channel"] = get("channel") or "preferred"
        step["transactional"] = form.get(prefix + "transactional") == "on"
    elif kind == "wait":
        for key in ("days", "hours", "minutes", "until", "event", "timeout_hours"):
            step.pop(key, None)
            if get(key):
                step[key] = get(key) if key in ("until", "event") else _int(get(key))
    elif kind == "condition":
        test, value = get("test") or "tag", get("value")
        # "clicked": a link in any message of the journey (no value) or in the message step named
        step["if"] = {test: True if test == "purchased_since_entry" or (test == "clicked" and not value) else value}
    elif kind == "tag":
        step.pop("add", None)
        step.pop("remove", None)
        step[get("action") if get("action") in ("add", "remove") else "add"] = get("name")
    elif kind == "points":
        step["points"] = _int(get("points"))
    elif kind == "task":
        step["title"] = get("title")
    elif kind == "rich_menu":
        step["menu"] = get("menu")
    elif kind == "split":
        for variant in step.get("variants") or []:
            variant["percent"] = _int(form.get(prefix + f"percent.{variant.get('name')}", "") or "0")


def _buttons(text: str) -> list[dict[str, Any]]:
    """One button a line: `answer | label` (the label in every language) or
    `answer | zh-TW label | en label | zh-CN label`."""
    buttons = []
    for line in text.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or not parts[0]:
            continue
        labels = parts[1:] if len(parts) > 2 else parts[1:] * len(LANGUAGES)
        buttons.append({"answer": parts[0], "label": {language: label for language, label in zip(LANGUAGES, labels, strict=False)
                                                      if label}})
    return buttons


def buttons_text(step: Mapping[str, Any]) -> str:
    return "\n".join(" | ".join([b.get("answer", ""), *(b.get("label", {}).get(lang, "") for lang in LANGUAGES)])
                     for b in step.get("buttons") or [])


def places(tree: list[Any]) -> list[tuple[str, str]]:
    """Where a new step can go: (value, the step it follows or the branch it starts)."""
    found = [("end", "")]
    for step in walk(tree):
        found.append((f"after:{step['id']}", step["id"]))
        if step.get("kind") == "condition":
            found += [(f"yes:{step['id']}", f"{step['id']} / yes"), (f"no:{step['id']}", f"{step['id']} / no")]
        if step.get("kind") == "split":
            found += [(f"variant:{step['id']}:{v['name']}", f"{step['id']} / {v['name']}") for v in step["variants"]]
    return found


def new_id(tree: list[Any], kind: str) -> str:
    taken = {step.get("id") for step in walk(tree)}
    number = 1
    while f"{kind}_{number}" in taken:
        number += 1
    return f"{kind}_{number}"


def add_step(tree: list[Any], kind: str, where: str) -> list[Any]:
    """Insert a new step of `kind` at `where` (a value of `places`); unknown places add at the end."""
    if kind not in STEP_KINDS:
        return tree
    step = {"id": new_id(tree, kind), "kind": kind, **json.loads(json.dumps(KIND_DEFAULTS[kind]))}
    target, position = _locate(tree, where)
    target.insert(position, step)
    return tree


def _locate(tree: list[Any], where: str) -> tuple[list[Any], int]:
    parts = where.split(":")
    for container in _lists(tree):
        for index, step in enumerate(container):
            if parts[0] == "after" and step.get("id") == parts[1]:
                return container, index + 1
            if parts[0] in ("yes", "no") and step.get("id") == parts[1] and step.get("kind") == "condition":
                step.setdefault(parts[0], [])
                return step[parts[0]], len(step[parts[0]])
            if parts[0] == "variant" and step.get("id") == parts[1] and len(parts) == 3:
                for variant in step.get("variants") or []:
                    if variant.get("name") == parts[2]:
                        variant.setdefault("steps", [])
                        return variant["steps"], len(variant["steps"])
    return tree, len(tree)


def _lists(tree: list[Any]) -> list[list[Any]]:
    """Every list of steps in the tree: the top one and each branch."""
    found = [tree]
    for step in tree:
        if isinstance(step, dict):
            for branch_owner in _branch_lists(step):
                found += _lists(branch_owner)
    return found


def _branch_lists(step: dict[str, Any]) -> list[list[Any]]:
    if step.get("kind") == "condition":
        return [step.setdefault("yes", []), step.setdefault("no", [])]
    if step.get("kind") == "split":
        return [variant.setdefault("steps", []) for variant in step.get("variants") or []]
    return []


def remove_step(tree: list[Any], step_id: str) -> list[Any]:
    for container in _lists(tree):
        for index, step in enumerate(container):
            if step.get("id") == step_id:
                del container[index]
                return tree
    return tree


def move_step(tree: list[Any], step_id: str, offset: int) -> list[Any]:
    for container in _lists(tree):
        for index, step in enumerate(container):
            if step.get("id") == step_id:
                target = index + offset
                if 0 <= target < len(container):
                    container[index], container[target] = container[target], container[index]
                return tree
    return tree


def preview(step: Mapping[str, Any], shop: str) -> dict[str, str]:
    """Each language's text with sample fields filled in, as the customer would read it."""
    shown = {}
    for language, text in (step.get("text") or {}).items():
        try:
            shown[language] = str(text).format_map({**SAMPLE, "shop": shop})
        except (KeyError, ValueError, IndexError):
            shown[language] = str(text)  # the validation names the problem
    return shown

