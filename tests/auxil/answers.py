"""Checks of what a channel received against Rasa's tracker: each turn answered before the
next began, and the answers delivered in turn order (the e2e and replica tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.auxil.networking import wait_until


def squash(text: str) -> str:
    """The text without any whitespace (channels re-wrap and split long answers)."""
    return "".join(text.split())


def assert_turns_serial(events: list[dict[str, Any]]) -> None:
    """Every user message is followed by the bot's answer before the next one starts."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    for start, end in zip(users, [*users[1:], len(events)], strict=True):
        assert any(e.get("event") == "bot" and e.get("text") for e in events[start:end]), \
            ("a turn without its answer before the next", events[start].get("text"))


def assert_sent_in_order(expected: list[str], sent: Callable[[], list[str]]) -> None:
    """Every answer of the tracker (in turn order) appears in what the channel received, in
    the same order (channels split long texts and add numbered options, so compare starts)."""
    wait_until(lambda: all(squash(t)[:20] in squash("".join(sent())) for t in expected),
               60, "every answer sent")
    stream, at = squash("".join(sent())), 0
    for text in expected:
        found = stream.find(squash(text)[:20], at)
        assert found >= 0, ("out of turn order", text, sent())
        at = found + 1
