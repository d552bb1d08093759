"""Evaluate a trained model on the held-out NLU files, per language; print JSON.

Runs in the Rasa environment: `.venv-rasa/bin/python bot/scripts/evaluate_nlu.py MODEL DIR`.
The held-out files (`bot/tests/nlu_heldout/<lang>.yml`) are never part of training.
"""

import asyncio
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml


def load_examples(directory: Path):
    for path in sorted(directory.glob("*.yml")):
        lang = path.stem
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            intent = block.get("intent")
            if not intent:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield lang, intent, line[2:].strip()


async def evaluate(model: str, directory: Path) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    totals: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    top1: Counter[str] = Counter()
    confusion: defaultdict[str, Counter[str | None]] = defaultdict(Counter)
    errors = []
    for lang, intent, text in load_examples(directory):
        parsed = await agent.parse_message(text)
        predicted = (parsed.get("intent") or {}).get("name")
        ranking = [r.get("name") for r in parsed.get("intent_ranking") or []
                   if r.get("name") != "nlu_fallback"]
        if ranking and ranking[0] == intent:
            top1[lang] += 1
        totals[lang] += 1
        confusion[intent][predicted] += 1
        if predicted == intent:
            correct[lang] += 1
        else:
            errors.append({"lang": lang, "text": text, "expected": intent,
                           "predicted": predicted})
    per_language = {lang: correct[lang] / totals[lang] for lang in totals}
    n = sum(totals.values())
    return {
        "examples": n,
        "overall": sum(correct.values()) / n if n else 0.0,
        "per_language": per_language,
        "top1_ignoring_fallback": {lang: top1[lang] / totals[lang] for lang in totals},
        "counts": dict(totals),
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "errors": errors,
    }


def main() -> int:
    model, directory = sys.argv[1], Path(sys.argv[2])
    result = asyncio.run(evaluate(model, directory))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
