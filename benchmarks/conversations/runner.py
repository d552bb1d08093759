"""Drive the conversation sets through the real stack and print their pass rates.

`python -m benchmarks.conversations.runner [--set development|exam|all]` starts rasa, the
action server and the gateway with `devstack.supervisor.Stack` on a temporary knowledge base
and tracker store, sends every conversation to Rasa's REST channel (one sender id each, turns
in order), reads the tracker after each turn, and checks it (see `evaluate`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.conversations.evaluate import (
    Conversation,
    ConversationResult,
    Facts,
    Observed,
    TurnResult,
    check_turn,
    development_set,
    exam_set,
    load_facts,
    render,
    summarise,
)
from helpline.settings import Settings


@contextmanager
def running_stack(model: Path | None = None) -> Iterator[Settings]:
    """The whole stack on free ports and a temporary knowledge base; stopped on exit."""
    from devstack.supervisor import temporary_stack
    from devstack.training import train

    with temporary_stack(model or train(), "conversation-bench-secret-0123456789abcdef",
                         prefix="bench-conversations-", timeout=400) as stack:
        yield stack.settings


class Client:
    """Rasa's REST channel and tracker API for one run."""

    def __init__(self, rasa_url: str, token: str | None = None, timeout: float = 60) -> None:
        self.http = httpx.Client(base_url=rasa_url, timeout=timeout)
        self.params = {"token": token} if token else {}

    def close(self) -> None:
        self.http.close()

    def tracker(self, sender: str) -> dict[str, Any]:
        response = self.http.get(f"/conversations/{sender}/tracker", params=self.params)
        response.raise_for_status()
        return dict(response.json())

    def say(self, sender: str, text: str) -> Observed:
        before = self.tracker(sender).get("slots") or {}
        try:
            response = self.http.post("/webhooks/rest/webhook",
                                      json={"sender": sender, "message": text})
            response.raise_for_status()
            messages = list(response.json())
        except httpx.HTTPError as exc:
            return Observed([], None, [], before, before, error=type(exc).__name__)
        tracker = self.tracker(sender)
        actions: list[str] = []
        for event in reversed(tracker.get("events") or []):
            if event.get("event") == "user":
                break
            if event.get("event") == "action" and event.get("name") != "action_listen":
                actions.insert(0, str(event.get("name")))
        intent = ((tracker.get("latest_message") or {}).get("intent") or {}).get("name")
        return Observed(messages, intent, actions, dict(before), dict(tracker.get("slots") or {}))


def run_conversations(conversations: list[Conversation], client: Client, facts: Facts,
                      ) -> list[ConversationResult]:
    """Each conversation under its own sender id, turns in order, checked as they come."""
    from helpline.language import detect

    results = []
    for conv in conversations:
        sender = f"eval-{conv.id}-{uuid.uuid4().hex[:8]}"
        turns = []
        for i, turn in enumerate(conv.turns):
            seen = client.say(sender, turn.user)
            turns.append(TurnResult(conv, i, seen, check_turn(conv, i, seen, facts, detect)))
        results.append(ConversationResult(conv, turns))
    return results


def evaluate_sets(settings: Settings, sets: dict[str, list[Conversation]],
                  ) -> dict[str, list[ConversationResult]]:
    """Run each named set on a started stack."""
    countries = {c.country for convs in sets.values() for c in convs if c.country}
    facts = load_facts(settings.database_url, countries)
    client = Client(settings.rasa_url, settings.rasa_token)
    try:
        return {name: run_conversations(convs, client, facts) for name, convs in sets.items()}
    finally:
        client.close()


def uncovered(results: dict[str, list[ConversationResult]]) -> list[str]:
    """Seeded countries no conversation of the sets takes place in."""
    from knowledge.api import seeded_countries

    covered = {r.conversation.country for res in results.values() for r in res}
    return sorted(set(seeded_countries()) - covered)


def failures(results: list[ConversationResult]) -> str:
    """Every failed turn: conversation, turn, the message, the reasons."""
    lines = []
    for r in results:
        for t in r.turns:
            if not t.passed:
                reasons = "; ".join(c.reason for c in t.failed())
                lines.append(f"  {r.conversation.id} turn {t.index + 1} "
                             f"{t.observed.intent or '-'}: {reasons}")
    return "\n".join(lines)


def dump(results: list[ConversationResult], path: Path) -> None:
    """Every turn with its reply and checks, as JSON (for reading failures in detail)."""
    rows = []
    for r in results:
        for t in r.turns:
            rows.append({
                "id": r.conversation.id, "turn": t.index + 1, "lang": r.conversation.lang,
                "user": r.conversation.turns[t.index].user, "intent": t.observed.intent,
                "actions": t.observed.actions, "reply": t.observed.text,
                "slots": {k: v for k, v in t.observed.slots_after.items() if v},
                "failed": [f"{c.criterion}: {c.reason}" for c in t.failed()],
            })
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None, model: Path | None = None) -> int:
    parser = argparse.ArgumentParser(prog="conversations", description=__doc__)
    parser.add_argument("--set", choices=("development", "exam", "all"), default="all",
                        help="which set to run (default: both, reported separately)")
    parser.add_argument("--ids", nargs="*", help="run only these conversation ids")
    parser.add_argument("--failures", action="store_true", help="list every failed turn")
    parser.add_argument("--dump", type=Path, help="write every turn and reply to this JSON file")
    parser.add_argument("--rasa-url", help="use a stack that is already running (its Rasa URL)")
    parser.add_argument("--database-url", help="that stack's knowledge base (with --rasa-url)")
    args = parser.parse_args(argv)
    sets: dict[str, list[Conversation]] = {}
    if args.set in ("development", "all"):
        sets["development set"] = development_set()
    if args.set in ("exam", "all"):
        sets["exam set"] = exam_set()
    if args.ids:
        sets = {k: [c for c in v if c.id in args.ids] for k, v in sets.items()}
    started = time.monotonic()
    if args.rasa_url:
        settings = Settings(rasa_url=args.rasa_url, database_url=args.database_url)
        results = evaluate_sets(settings, sets)
    else:
        with running_stack(model) as settings:
            results = evaluate_sets(settings, sets)
    print(f"(conversations run in {time.monotonic() - started:.0f} s, stack start included)")
    if missing := uncovered(results):
        print(f"seeded countries without a conversation yet: {', '.join(missing)}")
    for name, res in results.items():
        print(render(name, summarise(res)))
        if args.failures and name == "development set":
            print(failures(res))
    if args.dump:
        dump([r for res in results.values() for r in res], args.dump)
    return 0


if __name__ == "__main__":
    sys.exit(main())
