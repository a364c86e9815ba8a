"""The channel registry is the one list of platforms: the rest of the code asks it, and the
pipeline cuts outbox rows by the limits a record declares."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from bot import pipeline
from bot.config import Settings
from bot.events import Outbound
from channels import registry
from channels.base import ChannelRecord, Limits
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
SOURCE_PACKAGES = ("bot", "channels", "handlers", "jobs", "models")
REGISTRY = Path("channels/registry.py")
# Places that still name several channels: none left (the settings ask `registry` too).
NOT_YET: set[Path] = set()


def channel_name_lists(path: Path, names: set[str]) -> list[int]:
    """Lines where a literal tuple, list, set or dict (keys) holds two or more channel names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
        if not isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)) or items is None:
            continue
        named = {item.value for item in items if isinstance(item, ast.Constant) and item.value in names}
        if len(named) >= 2:
            found.append(node.lineno)
    return found


def test_the_registry_is_the_only_place_that_lists_channel_names():
    names = set(registry.names())
    offenders = {}
    for package in SOURCE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative == REGISTRY or relative in NOT_YET:
                continue
            if lines := channel_name_lists(path, names):
                offenders[str(relative)] = lines
    assert offenders == {}, "list channels through channels.registry, not by name"


def test_the_registry_lists_each_platform_once_with_its_settings_section():
    settings = make_settings("sqlite://", Path("/tmp"), "http://127.0.0.1:9")
    assert registry.names() == ("line", "telegram", "email")
    for record in registry.records():
        assert hasattr(settings, record.section)
        assert registry.get(record.name) is record
    with pytest.raises(KeyError, match="known: line, telegram, email"):
        registry.get("fax")


def test_each_adapter_declares_the_limit_its_record_declares(settings: Settings):
    for record in registry.records():
        adapter = record.build(settings)
        try:
            assert adapter.max_messages_per_request == record.limits.messages_per_request
            assert adapter.name == record.name
        finally:
            close = getattr(adapter, "close", None)
            if close:
                close()


@pytest.fixture
def two_per_request(monkeypatch: pytest.MonkeyPatch) -> str:
    """A registered channel whose platform takes two messages per request and four recipients."""
    line = registry.get("line")
    record: ChannelRecord = replace(line, name="pager", section="line",
                                    limits=Limits(messages_per_request=2, multicast_recipients=4))
    known = registry.records()
    monkeypatch.setattr(registry, "records", lambda: (*known, record))
    return record.name


def test_the_pipeline_cuts_outbox_rows_by_the_channels_declared_limit(runtime, two_per_request):
    messages = [Outbound(f"part {n}") for n in range(5)]
    with runtime.sessions.begin() as session:
        rows = pipeline.enqueue(session, two_per_request, "someone", messages, reply_token="tok")
        sizes = [len(row.messages) for row in rows]
        tokens = [row.reply_token for row in rows]
    assert sizes == [2, 2, 1]
    assert tokens == ["tok", None, None]  # a reply handle works once


def test_a_multicast_is_cut_by_recipients_and_messages(runtime, two_per_request):
    with runtime.sessions.begin() as session:
        rows = pipeline.enqueue_multicast(session, two_per_request, [f"u{n}" for n in range(6)],
                                          [Outbound("a"), Outbound("b"), Outbound("c")])
        shapes = [(len(row.recipients), len(row.messages)) for row in rows]
    assert shapes == [(4, 2), (4, 1), (2, 2), (2, 1)]


def test_a_channel_the_registry_does_not_know_sends_one_message_per_row(runtime):
    with runtime.sessions.begin() as session:
        rows = pipeline.enqueue(session, "test-double", "someone", [Outbound("a"), Outbound("b")])
        assert [len(row.messages) for row in rows] == [1, 1]
