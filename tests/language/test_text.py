"""One accent folding: `helpline.language.text` owns it in the main environment; the core's copy
(`knowledge.search.fold`, the core imports nothing of the rest) and the Rasa side's
length-preserving one (`bot/helpline_nlu/text.py`, another Python environment) must agree with
it on what they share: case and accents."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import cast

import pytest

from helpline.language.text import fold, strip_accents, words
from helpline.paths import BOT_DIR
from knowledge.search import fold as core_fold

SAMPLES = [
    "Ayúdenme, ESTÁN golpeando a mi hermana", "Ele pegou o meu passaporte, não posso sair",
    "Où est l'hôpital le plus proche ? ÇA presse", "Kote m ka jwenn yon doktè? Mwen gen pitit",
    "Niño, corazón, pingüino, São Paulo, Québec, Haïti", "مرحبا، أحتاج طبيب",
]


def _rasa_fold() -> Callable[[str], str]:
    spec = importlib.util.spec_from_file_location("rasa_text", BOT_DIR / "helpline_nlu" / "text.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # plain Python: no Rasa import in that module
    return cast(Callable[[str], str], module.fold)


@pytest.mark.parametrize("text", SAMPLES)
def test_the_core_and_the_rasa_side_fold_as_this_module_does(text: str) -> None:
    assert core_fold(text) == strip_accents(text)
    rasa = _rasa_fold()(text)
    assert len(rasa) == len(text)  # the Rasa side keeps offsets
    assert rasa.replace(" ", "") == strip_accents(text).replace("'", "").replace(" ", "")


def test_fold_also_squeezes_long_repeats_and_words_drop_the_rest() -> None:
    assert fold("AUXILIOOOO") == "auxilio"
    assert fold("socorro") == "socorro"
    assert words("¡¡Me pegó!! 2 veces 😢") == ["me", "pego", "veces"]
