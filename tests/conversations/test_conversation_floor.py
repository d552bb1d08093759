"""The development set of conversations, on the real stack, stays at or above its floor.

The floor is what the code reached when it was measured, minus a small margin (see
/work/brief/conversation_baseline.md and README "Conversation evaluation"): raise it when the
dialogue gets better. Only the development set runs here; the exam set runs in `make bench`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.conversations.evaluate import (
    ConversationResult,
    Summary,
    development_set,
    summarise,
)
from benchmarks.conversations.runner import evaluate_sets, running_stack

pytestmark = pytest.mark.e2e

# Measured on the development set on 2026-12-02 at 12:34 UTC (18/84 conversations, 82/193
# turns; correct 21/84, actionable 15/32, safe 72/80, honest 84/84, language 82/84), minus
# about 4 points (one conversation is 1.2 points of the rate).
CONVERSATION_FLOOR = 0.17
TURN_FLOOR = 0.38
CRITERION_FLOORS = {"correct": 0.21, "actionable": 0.40, "safe": 0.85, "honest": 0.95,
                    "language": 0.92}


@pytest.fixture(scope="module")
def results() -> Iterator[list[ConversationResult]]:
    with running_stack() as settings:
        yield evaluate_sets(settings, {"development": development_set()})["development"]


@pytest.fixture(scope="module")
def summary(results: list[ConversationResult]) -> Summary:
    return summarise(results)


def test_every_turn_got_an_answer(results: list[ConversationResult]) -> None:
    silent = [(r.conversation.id, t.index + 1) for r in results for t in r.turns
              if t.observed.error or not t.observed.text.strip()]
    assert not silent, silent


def test_development_pass_rate_is_at_or_above_the_floor(summary: Summary) -> None:
    assert summary.rate >= CONVERSATION_FLOOR, f"{summary.passed}/{summary.conversations}"
    assert summary.turn_rate >= TURN_FLOOR, f"{summary.turns_passed}/{summary.turns}"


@pytest.mark.parametrize("criterion", sorted(CRITERION_FLOORS))
def test_each_criterion_is_at_or_above_its_floor(summary: Summary, criterion: str) -> None:
    passed, total = summary.by_criterion[criterion]
    assert total and passed / total >= CRITERION_FLOORS[criterion], f"{passed}/{total}"
