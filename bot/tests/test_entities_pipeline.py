"""HelplineEntityExtractor inside a real Rasa pipeline: train a tiny NLU model, then parse."""

from __future__ import annotations

import asyncio
import textwrap

import pytest
from nlu_training import train_tiny_model

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
    return train_tiny_model(tmp_path_factory.mktemp("nlu"), CONFIG, textwrap.dedent(NLU))


def test_trained_model_parses_entities(trained_model: str) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(trained_model)
    text = "soy venezolano y vivo en Perú"
    result = asyncio.run(agent.parse_message(text))

    assert result["intent"]["name"] == "inform"
    entities = {(e["entity"], e["value"]) for e in result["entities"]}
    assert entities == {("nationality", "VE"), ("country", "PE"), ("subject", "self")}
    for entity in result["entities"]:
        assert entity["extractor"] == "HelplineEntityExtractor"
        assert entity["confidence_entity"] == 1.0
        assert text[entity["start"] : entity["end"]] in ("venezolano", "Perú", "soy")


def test_trained_model_parses_a_city_into_country_and_location(trained_model: str) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(trained_model)
    result = asyncio.run(agent.parse_message("estoy en tapachula con mis hijos"))
    by_name = {e["entity"]: e["value"] for e in result["entities"]}
    assert by_name["country"] == "MX"
    assert by_name["location"] == {
        "lat": 14.9039, "lon": -92.2575, "city": "Tapachula", "country": "MX"
    }
