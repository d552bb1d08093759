"""NgramIntentClassifier: the model on its own, as a graph component, and inside a Rasa pipeline."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import numpy as np
import pytest
from nlu_training import train_tiny_model

from helpline_nlu.intent_classifier import (
    NgramIntentClassifier,
    NgramIntentModel,
    fit_scale,
    softmax,
)
from helpline_nlu.normalise import concepts, cue_tokens, normalise

EXAMPLES: dict[str, list[str]] = {
    "ask_health": [
        "necesito un medico",
        "i need a doctor",
        "preciso de um médico",
        "m bezwen yon dokte",
        "j'ai besoin d'un médecin",
    ],
    "ask_remittances": [
        "como mando plata a mi familia",
        "how do i send money home",
        "como enviar dinheiro pro brasil",
        "kijan pou m voye lajan bay fanmi m",
        "envoyer de l'argent à ma famille",
    ],
    "greet": ["hola", "hello", "oi", "bonjou", "bonjour"],
}


def pairs(examples: dict[str, list[str]], per_intent: int) -> tuple[list[str], list[str]]:
    texts, intents = [], []
    for intent, lines in examples.items():
        texts += lines[:per_intent]
        intents += [intent] * len(lines[:per_intent])
    return texts, intents


def config(**overrides: object) -> dict[str, object]:
    return {**NgramIntentClassifier.get_default_config(), **overrides}


def test_normalise_folds_case_accents_and_repeated_letters() -> None:
    assert normalise("  ÁYUDAAAA   POR favor ") == "ayudaa por favor"
    assert normalise("j'ai perdu mon passeport") == "j ai perdu mon passeport"
    assert cue_tokens("medico?", with_concepts=False) == ["len_1", "question"]
    assert cue_tokens("medico?") == ["len_1", "question", "c_doctor"]
    assert cue_tokens("one two three four five six seven") == ["len_long"]


@pytest.mark.parametrize(
    "text",
    [
        "perdí mi pasaporte",
        "I lost my passport",
        "perdi meu passaporte",
        "j'ai perdu mon passeport",
        "m pèdi paspò m",
    ],
)
def test_concepts_are_shared_across_languages(text: str) -> None:
    assert {"passport", "lost"} <= set(concepts(normalise(text)))


def test_concepts_read_french_elisions_and_whole_words_only() -> None:
    assert "hospital" in concepts(normalise("lhopital le plus proche"))
    assert "asylum" in concepts(normalise("jai raté mon audience dasile"))
    assert "bot" not in concepts(normalise("jai besoin d'aide"))  # "ai" needs to stand alone
    assert concepts(normalise("")) == []


def test_fit_scale_recovers_the_temperature_of_sampled_labels() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(4000, 5))
    probabilities = softmax(scores, 3.0)
    labels = np.array([rng.choice(5, p=row) for row in probabilities])
    assert fit_scale(scores, labels) == pytest.approx(3.0, rel=0.15)


def test_model_learns_probabilities_and_is_deterministic() -> None:
    texts, intents = pairs(EXAMPLES, 5)
    first = NgramIntentModel(config()).fit(texts, intents)
    second = NgramIntentModel(config()).fit(texts, intents)

    queries = ["medico por favor", "send money to my mom", "bonjou zanmi"]
    probabilities = first.predict_proba(queries)
    assert probabilities.shape == (3, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    assert list(first.classes[probabilities.argmax(axis=1)]) == [
        "ask_health",
        "ask_remittances",
        "greet",
    ]
    np.testing.assert_array_equal(probabilities, second.predict_proba(queries))
    assert first.scale == second.scale
    assert first.scale != config()["default_scale"]  # fitted on cross-validated scores


def test_too_few_examples_for_calibration_keep_the_default_scale() -> None:
    texts, intents = pairs(EXAMPLES, 2)
    model = NgramIntentModel(config(default_scale=7.0)).fit(texts, intents)
    assert model.scale == 7.0
    assert model.predict_proba(["hola"]).shape == (1, 3)


def test_fingerprint_follows_the_package_code(tmp_path: Path) -> None:
    from helpline_nlu.intent_classifier import package_fingerprint

    assert NgramIntentClassifier.fingerprint_addon({}) == package_fingerprint()
    (tmp_path / "data").mkdir()
    (tmp_path / "normalise.py").write_text("A = 1\n", encoding="utf-8")
    (tmp_path / "data" / "words.yaml").write_text("a: b\n", encoding="utf-8")
    before = package_fingerprint(tmp_path)
    (tmp_path / "notes.txt").write_text("not code", encoding="utf-8")
    assert package_fingerprint(tmp_path) == before
    (tmp_path / "data" / "words.yaml").write_text("a: c\n", encoding="utf-8")
    assert package_fingerprint(tmp_path) != before


def test_model_needs_two_intents() -> None:
    with pytest.raises(ValueError):
        NgramIntentModel(config()).fit(["hola", "hello"], ["greet", "greet"])


def test_saved_model_loads_with_identical_predictions(tmp_path: Path) -> None:
    texts, intents = pairs(EXAMPLES, 5)
    model = NgramIntentModel(config()).fit(texts, intents)
    model.save(tmp_path)
    loaded = NgramIntentModel.load(tmp_path, config())

    queries = ["necesito medico urgente", "voye lajan", "hello there", ""]
    expected = model.predict_proba(queries)
    np.testing.assert_allclose(loaded.predict_proba(queries), expected, atol=1e-6)
    assert list(loaded.classes) == list(model.classes)
    assert sum(f.stat().st_size for f in tmp_path.iterdir()) < 200_000


def test_graph_component_trains_persists_loads_and_processes(tmp_path: Path) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    storage = LocalModelStorage(tmp_path)
    resource = Resource("ngram_intent")
    context = ExecutionContext(GraphSchema({}), node_name="ngram_intent")
    texts, intents = pairs(EXAMPLES, 5)
    data = TrainingData(
        [Message(data={"text": t, "intent": i}) for t, i in zip(texts, intents, strict=True)]
    )

    component = NgramIntentClassifier.create({"ranking_length": 2}, storage, resource, context)
    assert component.train(data) == resource

    loaded = NgramIntentClassifier.load({"ranking_length": 2}, storage, resource, context)
    [message] = loaded.process([Message(data={"text": "como mando dinero a honduras"})])
    intent = message.get("intent")
    ranking = message.get("intent_ranking")
    assert intent["name"] == "ask_remittances"
    assert len(ranking) == 2
    assert ranking[0] == intent
    assert ranking[0]["confidence"] >= ranking[1]["confidence"]
    assert 0.0 < intent["confidence"] <= 1.0


def test_graph_component_without_stored_model_leaves_messages_alone(tmp_path: Path) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message

    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="ngram_intent")
    component = NgramIntentClassifier.load({}, storage, Resource("missing"), context)
    [message] = component.process([Message(data={"text": "hola"})])
    assert message.get("intent") is None


PIPELINE_CONFIG = """\
recipe: default.v1
language: xx
assistant_id: helpline-intent-test
pipeline:
  - name: WhitespaceTokenizer
  - name: helpline_nlu.entities.HelplineEntityExtractor
  - name: helpline_nlu.intent_classifier.NgramIntentClassifier
  - name: FallbackClassifier
    threshold: 0.25
    ambiguity_threshold: 0.02
policies: []
"""


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    work: Path = tmp_path_factory.mktemp("intent")
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in EXAMPLES.items():
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {example}" for example in examples]
    return train_tiny_model(work, PIPELINE_CONFIG, textwrap.dedent("\n".join(lines)) + "\n")


def test_pipeline_parses_intents_with_probabilities_and_entities(trained_model: str) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(trained_model)
    result = asyncio.run(agent.parse_message("soy venezolano y necesito un médico"))

    assert result["intent"]["name"] == "ask_health"
    ranking = result["intent_ranking"]
    assert [r["name"] for r in ranking][:1] == ["ask_health"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0, abs=1e-6)
    assert ("nationality", "VE") in {(e["entity"], e["value"]) for e in result["entities"]}
