"""HelplineEntityExtractor inside a real Rasa pipeline: train a tiny NLU model, then parse."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest

CONFIG = """\
recipe: default.v1
language: xx
assistant_id: helpline-entities-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
  - name: helpline_nlu.entities.HelplineEntityExtractor
policies: []
"""

NLU = """\
version: "3.1"
nlu:
  - intent: inform
    examples: |
      - soy de venezuela
      - vivo en peru
      - I'm from Haiti
      - moro no Brasil
      - m nan Chili
  - intent: greet
    examples: |
      - hola
      - hello
      - oi
      - bonjour
      - bonjou
"""


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    from rasa.model_training import train_nlu

    work: Path = tmp_path_factory.mktemp("nlu")
    (work / "config.yml").write_text(CONFIG, encoding="utf-8")
    (work / "nlu.yml").write_text(textwrap.dedent(NLU), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("RASA_CACHE_DIRECTORY", str(work / "cache"))
    mp.chdir(work)
    try:
        model = train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "models"))
    finally:
        mp.undo()
    assert model is not None and Path(model).is_file()
    return model


def test_trained_model_parses_entities(trained_model: str) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(trained_model)
    text = "soy venezolano y vivo en Perú"
    result = asyncio.run(agent.parse_message(text))

    assert result["intent"]["name"] == "inform"
    entities = {(e["entity"], e["value"]) for e in result["entities"]}
    assert entities == {("nationality", "VE"), ("country", "PE")}
    for entity in result["entities"]:
        assert entity["extractor"] == "HelplineEntityExtractor"
        assert entity["confidence_entity"] == 1.0
        assert text[entity["start"] : entity["end"]] in ("venezolano", "Perú")
