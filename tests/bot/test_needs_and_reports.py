"""The trained model: plain statements of need go to find_service with a category, and questions
about reporting a crime or the documents a place asks for are not read as privacy questions.

The messages below are not training lines (`test_cases_are_not_training_lines` checks), so the
model has to generalise to them.
"""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from devstack.training import rasa_env, train
from helpline.paths import BOT_DIR, RASA_VENV, ROOT

NEEDS = {
    "es": ["no tenemos qué comer", "los niños tienen hambre", "ya no tenemos comida para los niños",
           "no tenemos donde dormir, estamos con un bebé"],
    "en": ["the children are hungry", "we have nowhere to sleep", "my children are starving",
           "we sleep on the street since we arrived"],
    "pt": ["as crianças estão com fome", "não temos onde dormir", "não temos comida pras crianças",
           "estamos na rua com as crianças"],
    "fr": ["les enfants ont faim", "nous n'avons nulle part où dormir",
           "on dort dehors depuis trois jours"],
    "ht": ["nou pa gen kote pou n dòmi", "timoun yo grangou", "nou pa manje depi yè",
           "pitit mwen yo pa gen anyen pou yo manje"],
}
NOT_PRIVACY = {
    "es": ["¿dónde puedo denunciar sin que me deporten?", "y si me piden el CURP?",
           "si denuncio a mi jefe me deportan?"],
    "en": ["where can I report it without being deported?", "and if they ask for my CURP?",
           "can I report my boss to the police if I have no papers",
           "is it safe to report to the police with no papers"],
    "pt": ["posso denunciar sem medo de ser deportada?"],
    "fr": ["où porter plainte sans être expulsé?"],
    "ht": ["ki kote m ka denonse san yo pa depòte m?"],
}
PRIVACY = {
    "es": ["¿ustedes le pasan mis datos a ICE?"],
    "en": ["are you going to tell immigration about me?", "do you share my data with ICE?"],
    "pt": ["vocês passam meus dados pra imigração?"],
    "fr": ["est-ce que vous donnez mes informations à l'immigration?"],
    "ht": ["èske nou bay imigrasyon enfòmasyon m?"],
}
PRIVACY_INTENTS = {"ask_privacy", "delete_my_data"}


def _norm(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


def test_cases_are_not_training_lines() -> None:
    training = set()
    for path in (BOT_DIR / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    training.add(_norm(line.strip()[2:]))
    cases = [t for group in (NEEDS, NOT_PRIVACY, PRIVACY) for lines in group.values()
             for t in lines]
    assert not [t for t in cases if _norm(t) in training]


@pytest.fixture(scope="module")
def predictions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Intent predicted for every case, through the trained model's full pipeline."""
    model = train()
    directory = tmp_path_factory.mktemp("cases")
    for lang in NEEDS:
        lines = NEEDS[lang] + NOT_PRIVACY[lang] + PRIVACY[lang]
        nlu = {"nlu": [{"intent": "case", "examples": "".join(f"- {t}\n" for t in lines)}]}
        (directory / f"{lang}.yml").write_text(yaml.safe_dump(nlu, allow_unicode=True),
                                               encoding="utf-8")
    result = subprocess.run(
        [str(RASA_VENV / "bin" / "python"), str(BOT_DIR / "scripts" / "evaluate_nlu.py"),
         str(model), str(directory)],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return {e["text"]: e["predicted"] for e in report["errors"]}  # every case is an "error"


@pytest.mark.rasa
@pytest.mark.parametrize(("lang", "text"), [(lang, t) for lang, ts in NEEDS.items() for t in ts])
def test_a_plain_statement_of_need_asks_for_a_service(predictions: dict[str, str], lang: str,
                                                      text: str) -> None:
    assert predictions[text] == "find_service"


@pytest.mark.rasa
@pytest.mark.parametrize(("lang", "text"),
                         [(lang, t) for lang, ts in NOT_PRIVACY.items() for t in ts])
def test_reporting_or_documents_is_not_a_privacy_question(predictions: dict[str, str], lang: str,
                                                          text: str) -> None:
    assert predictions[text] not in PRIVACY_INTENTS | {"nlu_fallback"}


@pytest.mark.rasa
@pytest.mark.parametrize(("lang", "text"), [(lang, t) for lang, ts in PRIVACY.items() for t in ts])
def test_questions_about_this_chats_data_stay_privacy(predictions: dict[str, str], lang: str,
                                                      text: str) -> None:
    assert predictions[text] == "ask_privacy"
