"""Rasa 3.6 intent classifier on character and word n-grams of the message text itself.

Use in config.yml as `- name: helpline_nlu.intent_classifier.NgramIntentClassifier`; it needs
no tokenizer or featurizer before it. Features: TF-IDF of character n-grams inside words and
of word n-grams over accent-folded text (`helpline_nlu.normalise`), plus language-neutral cue
tokens (message length, question mark, kinds of entities the rule-based extractor finds). A
linear SVM scores the intents; a softmax with a scale fitted on cross-validated scores turns
the scores into probabilities, so `FallbackClassifier` thresholds mean what they say. The
model is stored as plain arrays (npz) and vocabularies (JSON), no pickles.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from helpline_nlu.normalise import cue_tokens, normalise

logger = logging.getLogger(__name__)

ARRAYS_FILE = "intent_model.npz"
VOCABULARY_FILE = "intent_vocabulary.json"
BLOCKS = ("char", "word", "cue")
_ENTITY_VALUES = frozenset({"situation", "service_category", "migration_status"})
_NOT_CUES = frozenset({"location", "subject"})
"""Entities that say nothing about the intent (a place's coordinates, whom it is about)."""


def _entity_tokens(text: str) -> list[str]:
    """Tokens for the kinds (and for some, the values) of entities found in `text`."""
    from helpline_nlu.extraction import extract_entities

    tokens = []
    for entity in extract_entities(text, _matcher()):
        if entity["entity"] in _NOT_CUES:
            continue
        tokens.append(f"ent_{entity['entity']}")
        if entity["entity"] in _ENTITY_VALUES:
            tokens.append(f"ent_{entity['entity']}_{entity['value']}")
    return tokens


_MATCHER: Any = None


def _matcher() -> Any:
    global _MATCHER
    if _MATCHER is None:
        from helpline_nlu.matching import default_matcher

        _MATCHER = default_matcher()
    return _MATCHER


def cue_document(text: str, use_entities: bool = True, use_concepts: bool = True) -> str:
    """The space-separated cue tokens of one message (never empty)."""
    tokens = cue_tokens(text, use_concepts)
    if use_entities:
        tokens += _entity_tokens(text)
    return " ".join(tokens)


class NgramFeatures:
    """Weighted TF-IDF blocks (character n-grams, word n-grams, cue tokens) for raw texts."""

    def __init__(self, config: dict[str, Any]) -> None:
        """Builds unfitted vectorizers from the component config."""
        self.config = config
        self.weights = {
            "char": 1.0,
            "word": float(config["word_weight"]),
            "cue": float(config["cue_weight"]),
        }
        self.vectorizers: dict[str, CountVectorizer] = {
            "char": TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=tuple(config["char_ngram_range"]),
                sublinear_tf=True,
                min_df=config["min_df"],
                lowercase=False,
                dtype=np.float32,
            ),
            "word": TfidfVectorizer(
                analyzer="word",
                ngram_range=tuple(config["word_ngram_range"]),
                token_pattern=r"(?u)\b\w+\b",
                sublinear_tf=True,
                min_df=config["min_df"],
                lowercase=False,
                dtype=np.float32,
            ),
            "cue": CountVectorizer(
                analyzer="word",
                token_pattern=r"\S+",
                lowercase=False,
                binary=True,
                dtype=np.float32,
            ),
        }

    def documents(self, texts: Sequence[str]) -> list[tuple[str, str]]:
        """(normalised text, cue document) of each text: what the vectorizers read."""
        use_entities = bool(self.config["entity_cues"])
        use_concepts = bool(self.config["concept_cues"])
        return [
            (normalise(text), cue_document(text, use_entities, use_concepts)) for text in texts
        ]

    def fit_transform(self, documents: Sequence[tuple[str, str]]) -> sp.csr_matrix:
        """Fits every vectorizer on `documents` and returns their weighted features."""
        return self._weighted(
            [self.vectorizers[name].fit_transform(self._column(documents, name)) for name in BLOCKS]
        )

    def transform(self, documents: Sequence[tuple[str, str]]) -> sp.csr_matrix:
        """Weighted features of `documents` with the fitted vocabularies."""
        return self._weighted(
            [self.vectorizers[name].transform(self._column(documents, name)) for name in BLOCKS]
        )

    @staticmethod
    def _column(documents: Sequence[tuple[str, str]], name: str) -> list[str]:
        index = 1 if name == "cue" else 0
        return [document[index] for document in documents]

    def _weighted(self, blocks: list[sp.spmatrix]) -> sp.csr_matrix:
        """Unit-length rows per block (cue counts are not normalised by their vectorizer)."""
        scaled = [
            normalize(block) * self.weights[name]
            for name, block in zip(BLOCKS, blocks, strict=True)
        ]
        return sp.hstack(scaled, format="csr")

    def state(self) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
        """Vocabularies (terms in column order) and IDF vectors of the fitted vectorizers."""
        vocabularies, idfs = {}, {}
        for name, vectorizer in self.vectorizers.items():
            terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
            vocabularies[name] = terms
            if isinstance(vectorizer, TfidfVectorizer):
                idfs[name] = vectorizer.idf_.astype(np.float64)
        return vocabularies, idfs

    def restore(self, vocabularies: dict[str, list[str]], idfs: dict[str, np.ndarray]) -> None:
        """Puts back vocabularies and IDF vectors saved by `state`."""
        for name, vectorizer in self.vectorizers.items():
            vectorizer.set_params(vocabulary={term: i for i, term in enumerate(vocabularies[name])})
            vectorizer._validate_vocabulary()
            if isinstance(vectorizer, TfidfVectorizer):
                vectorizer.idf_ = idfs[name]


def package_fingerprint(package: Path | None = None) -> str:
    """SHA-256 over a package's (default: this one's) Python files and lexicon data, in order."""
    package = package or Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".json"):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def softmax(scores: np.ndarray, scale: float) -> np.ndarray:
    """Row-wise softmax of `scale * scores`."""
    z = scores * scale
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_scale(scores: np.ndarray, labels: np.ndarray) -> float:
    """The softmax scale that minimises the log loss of `labels` (column indices)."""

    def log_loss(log_scale: float) -> float:
        probabilities = softmax(scores, float(np.exp(log_scale)))
        picked = probabilities[np.arange(len(labels)), labels]
        return float(-np.mean(np.log(np.clip(picked, 1e-12, None))))

    result = minimize_scalar(log_loss, bounds=(np.log(0.1), np.log(100.0)), method="bounded")
    return float(np.exp(result.x))


class NgramIntentModel:
    """The classifier without Rasa: fit on texts and labels, predict probabilities, save, load."""

    def __init__(self, config: dict[str, Any]) -> None:
        """An untrained model with the component's config."""
        self.config = config
        self.features = NgramFeatures(config)
        self.classes: np.ndarray = np.array([], dtype=str)
        self.coef: np.ndarray | None = None
        self.intercept: np.ndarray | None = None
        self.scale = float(config["default_scale"])

    @property
    def trained(self) -> bool:
        """Whether the model has been fitted or loaded."""
        return self.coef is not None

    def _weights(self) -> tuple[np.ndarray, np.ndarray]:
        """The fitted coefficients and intercepts; ValueError before training."""
        if self.coef is None or self.intercept is None:
            raise ValueError("NgramIntentModel is not trained.")
        return self.coef, self.intercept

    def _svm(self) -> LinearSVC:
        return LinearSVC(
            C=float(self.config["C"]),
            class_weight=self.config["class_weight"],
            random_state=int(self.config["random_state"]),
            max_iter=5000,
        )

    def _cross_validated_scores(
        self, documents: list[tuple[str, str]], labels: np.ndarray
    ) -> np.ndarray | None:
        folds = int(self.config["calibration_folds"])
        counts = np.bincount(labels, minlength=len(self.classes))
        if folds < 2 or counts.min() < folds:
            return None
        seed = int(self.config["random_state"])
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
        scores = np.zeros((len(documents), len(self.classes)))
        for train_index, test_index in splitter.split(documents, labels):
            features = NgramFeatures(self.config)
            x_train = features.fit_transform([documents[i] for i in train_index])
            svm = self._svm().fit(x_train, labels[train_index])
            x_test = features.transform([documents[i] for i in test_index])
            scores[test_index] = self._decision(svm, x_test)
        return scores

    @staticmethod
    def _decision(svm: LinearSVC, x: sp.csr_matrix) -> np.ndarray:
        scores = svm.decision_function(x)
        if scores.ndim == 1:  # two intents: one margin for the second class
            scores = np.column_stack([-scores, scores])
        return scores

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> NgramIntentModel:
        """Fits features and SVM on `texts`; fits the softmax scale by cross-validation."""
        self.classes, labels = np.unique(np.asarray(intents, dtype=str), return_inverse=True)
        if len(self.classes) < 2:
            raise ValueError("NgramIntentClassifier needs at least two intents to train.")
        documents = self.features.documents(texts)
        scores = self._cross_validated_scores(documents, labels)
        if scores is not None:
            self.scale = fit_scale(scores, labels)
        x = self.features.fit_transform(documents)
        svm = self._svm().fit(x, labels)
        coef, intercept = svm.coef_, svm.intercept_
        if len(self.classes) == 2:  # one margin for the second class: give the first its negative
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities of every intent (columns in `classes` order) for each text."""
        coef, intercept = self._weights()
        x = self.features.transform(self.features.documents(texts))
        scores = np.asarray(x @ coef.T, dtype=np.float64) + intercept
        return softmax(scores, self.scale)

    def save(self, directory: Path) -> None:
        """Writes arrays and vocabularies into `directory`."""
        vocabularies, idfs = self.features.state()
        coef, intercept = self._weights()
        np.savez_compressed(
            directory / ARRAYS_FILE,
            coef=coef,
            intercept=intercept,
            classes=self.classes,
            scale=np.array(self.scale),
            **{f"idf_{name}": idf for name, idf in idfs.items()},
        )
        (directory / VOCABULARY_FILE).write_text(
            json.dumps(vocabularies, ensure_ascii=False, sort_keys=True), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any]) -> NgramIntentModel:
        """Reads a model written by `save`."""
        model = cls(config)
        with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
            model.coef = arrays["coef"]
            model.intercept = arrays["intercept"]
            model.classes = arrays["classes"]
            model.scale = float(arrays["scale"])
            idfs = {name: arrays[f"idf_{name}"] for name in BLOCKS if f"idf_{name}" in arrays}
        vocabularies = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        model.features.restore(vocabularies, idfs)
        return model


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class NgramIntentClassifier(GraphComponent, IntentClassifier):
    """Intent classifier on n-grams of the message text (see module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults chosen by stratified cross-validation on the training data."""
        return {
            "char_ngram_range": [1, 5],
            "word_ngram_range": [1, 2],
            "word_weight": 0.7,
            "cue_weight": 0.4,
            "entity_cues": True,
            "concept_cues": True,
            "min_df": 1,
            "C": 1.5,
            "class_weight": None,
            "calibration_folds": 3,
            "default_scale": 5.0,
            "random_state": 42,
            "ranking_length": LABEL_RANKING_LENGTH,
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Packages the component imports."""
        return ["sklearn", "scipy", "numpy"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Hash of the package's code and lexicons: editing them retrains instead of reusing a
        cached model (Rasa's cache key otherwise covers only config and training data)."""
        return package_fingerprint()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: NgramIntentModel | None = None,
    ) -> None:
        """Creates the component around an (un)trained model."""
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model or NgramIntentModel(self.component_config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NgramIntentClassifier:
        """Creates a new untrained component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the model on the intent examples and persists it."""
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.debug("%s: fewer than two intents, nothing to train.", self.__class__.__name__)
            return self._resource
        self.model.fit([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples])
        with self._model_storage.write_to(self._resource) as directory:
            self.model.save(directory)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NgramIntentClassifier:
        """Loads the trained model; an untrained component if none was stored."""
        merged = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                model = NgramIntentModel.load(directory, merged)
        except (ValueError, FileNotFoundError):
            logger.debug("%s: no trained model in resource '%s'.", cls.__name__, resource.name)
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets `intent` and `intent_ranking` (probabilities) on each message."""
        if not self.model.trained:
            return messages
        probabilities = self.model.predict_proba([m.get(TEXT) or "" for m in messages])
        length = int(self.component_config["ranking_length"])
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row, kind="stable")
            ranking = [
                {"name": str(self.model.classes[i]), "confidence": float(row[i])} for i in order
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            if length > 0:
                ranking = ranking[:length]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves the training data as it is (the intents are already labelled)."""
        return training_data
