"""Rasa 3.6 graph component that adds the helpline's normalised entities to each message.

Use in config.yml as `- name: helpline_nlu.entities.HelplineEntityExtractor`. It needs no
training and no downloaded model: a blank spaCy pipeline and PhraseMatchers over the
lexicons in `helpline_nlu/data` (see `helpline_nlu.resolve` for the rules).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_CONFIDENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from helpline_nlu.extraction import ENTITY_NAMES, extract_entities
from helpline_nlu.matching import LexiconMatcher, default_matcher

CONFIDENCE_ENTITY = f"{ENTITY_ATTRIBUTE_CONFIDENCE}_entity"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class HelplineEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts country, nationality, language, migration_status, situation, service_category."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """`entities`: which of the contract's entities to emit (default: all)."""
        return {"entities": list(ENTITY_NAMES)}

    @staticmethod
    def required_packages() -> List[str]:
        """Packages the component imports."""
        return ["spacy", "babel", "yaml"]

    def __init__(self, config: Dict[str, Any], matcher: Optional[LexiconMatcher] = None) -> None:
        """Creates the extractor; the lexicon matcher is built once per process."""
        self._config = {**self.get_default_config(), **config}
        unknown = set(self._config["entities"]) - set(ENTITY_NAMES)
        if unknown:
            raise ValueError(f"{self.name}: unknown entities in config: {sorted(unknown)}")
        self._wanted = frozenset(self._config["entities"])
        self._matcher = matcher or default_matcher()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> HelplineEntityExtractor:
        """Creates the component (see parent class for full docstring)."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves training data as annotated; this component learns nothing."""
        return training_data

    def extract(self, text: str) -> List[Dict[str, Any]]:
        """Rasa-shaped entity dicts for `text` (without the extractor name)."""
        if not text or text.startswith("/"):  # "/intent{...}" shortcuts carry their own entities
            return []
        return [
            {**entity, CONFIDENCE_ENTITY: 1.0}
            for entity in extract_entities(text, self._matcher)
            if entity["entity"] in self._wanted
        ]

    def process(self, messages: List[Message]) -> List[Message]:
        """Appends the extracted entities to each message's entities."""
        for message in messages:
            entities = self.add_extractor_name(self.extract(message.get(TEXT) or ""))
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
