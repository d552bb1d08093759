"""Reading Rasa NLU YAML files (`bot/data/nlu/<lang>.yml`, the held-out set): the one reader of
the main environment, used by the language detector, the danger lexicon's scores and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

#: The C-accelerated safe loader when PyYAML was built with libyaml (same semantics, faster).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def example_lines(examples: object) -> list[str]:
    """The lines of one `examples: |` block, without their `- ` markers."""
    return [
        line.strip()[2:].strip()
        for line in str(examples or "").splitlines()
        if line.strip().startswith("- ")
    ]


def read_nlu_intents(path: Path) -> dict[str, list[str]]:
    """Every intent of one Rasa NLU YAML file with its example lines, in file order."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    out: dict[str, list[str]] = {}
    for block in data.get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            out.setdefault(str(block["intent"]), []).extend(example_lines(block.get("examples")))
    return out


def read_nlu_examples(path: Path, exclude: Iterable[str] = ()) -> list[str]:
    """The example lines of one Rasa NLU YAML file, every intent except those in `exclude`."""
    left_out = set(exclude)
    return [line for intent, lines in read_nlu_intents(path).items() if intent not in left_out
            for line in lines]
