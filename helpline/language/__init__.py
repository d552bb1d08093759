"""Language: detecting the language of a message and deciding the reply language.

One package that the gateway (`channels/`) and the actions both import:

- `text`: accent folding and words (`fold`, `words`), the one text normalisation;
- `nlu_data`: the reader of Rasa NLU YAML files;
- `detection`: the offline detector trained on `bot/data/nlu/` (`detect`, `detector`);
- `reply`: the reply-language policy (`reply_language`);
- `names`: each language's name in that language (`LANGUAGE_NAMES`).
"""

from __future__ import annotations

from helpline.language.detection import (
    CONFIDENCE_THRESHOLD,
    DEFAULT_PARAMS,
    EXCLUDED_INTENTS,
    LanguageDetector,
    Params,
    detect,
    detector,
    features,
)
from helpline.language.names import LANGUAGE_NAMES
from helpline.language.nlu_data import read_nlu_examples, read_nlu_intents
from helpline.language.reply import reply_language
from helpline.language.text import fold, strip_accents, words

__all__ = [
    "CONFIDENCE_THRESHOLD", "DEFAULT_PARAMS", "EXCLUDED_INTENTS", "LANGUAGE_NAMES",
    "LanguageDetector", "Params", "detect", "detector", "features", "fold", "read_nlu_examples",
    "read_nlu_intents", "reply_language", "strip_accents", "words",
]
