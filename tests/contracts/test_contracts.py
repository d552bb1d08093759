"""The names that cross the two Python environments (`helpline.contracts`) agree with every copy
the Rasa side keeps: the domain, the tracker store, the NLU components' language list and the
endpoints that name the tracker store. The Rasa environment cannot import this project, so
its files are read as text (and the tracker store's module as a syntax tree), not imported."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import yaml

from helpline import contracts
from helpline.paths import BOT_DIR, ROOT

DOMAIN = yaml.safe_load((BOT_DIR / "domain.yml").read_text(encoding="utf-8"))
NLU_PACKAGE = BOT_DIR / "helpline_nlu"


def module_constant(path: Path, name: str) -> object:
    """The literal value assigned to `name` at the top of a module, without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets: list[ast.expr]
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(value)
    raise AssertionError(f"{name} not assigned in {path}")


def test_the_erase_slot_is_the_domains_and_the_tracker_stores() -> None:
    slot = DOMAIN["slots"][contracts.ERASE_SLOT]
    assert slot["type"] == "bool"
    assert slot["influence_conversation"] is False
    assert module_constant(NLU_PACKAGE / "tracker_store.py", "ERASE_SLOT") == contracts.ERASE_SLOT


def test_the_tracker_store_class_path_names_a_real_class() -> None:
    module, _, cls = contracts.TRACKER_STORE_CLASS.rpartition(".")
    path = BOT_DIR / Path(*module.split(".")).with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert cls in {n.name for n in tree.body if isinstance(n, ast.ClassDef)}, path


def test_every_endpoints_file_names_the_contracts_tracker_store() -> None:
    found = {}
    for path in [*ROOT.glob("docker/*.yml"), *BOT_DIR.glob("*.yml")]:
        store = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tracker_store")
        if isinstance(store, dict):
            found[path.name] = store.get("type")
    assert found, "no endpoints file names a tracker store"
    assert set(found.values()) == {contracts.TRACKER_STORE_CLASS}, found


def test_the_intents_the_gateway_sends_as_text_are_in_the_domain() -> None:
    assert set(contracts.GATEWAY_INTENTS) <= set(DOMAIN["intents"])
    assert contracts.LANGUAGE_ENTITY in DOMAIN["entities"]
    assert DOMAIN["slots"][contracts.LANGUAGE_ENTITY]["mappings"][0]["entity"] == (
        contracts.LANGUAGE_ENTITY)
    for text in (contracts.START_TEXT, contracts.LOCATION_TEXT, contracts.DELETE_TEXT):
        assert text.lstrip("/") in DOMAIN["intents"]


def test_a_language_choice_is_rasas_intent_syntax_with_a_known_language() -> None:
    for lang in contracts.LANGUAGES:
        text = contracts.choose_language_text(lang)
        match = re.fullmatch(r"/(\w+)(\{.*\})", text)
        assert match is not None, text
        assert match.group(1) == contracts.CHOOSE_LANGUAGE_INTENT
        assert json.loads(match.group(2)) == {contracts.LANGUAGE_ENTITY: lang}


def test_the_language_list_is_the_rasa_sides() -> None:
    assert module_constant(NLU_PACKAGE / "lexicon.py", "LANGUAGES") == contracts.LANGUAGES
    names = yaml.safe_load((NLU_PACKAGE / "data" / "language.yaml").read_text(encoding="utf-8"))
    assert tuple(names["values"]) == contracts.LANGUAGES
    for path in sorted((BOT_DIR / "data" / "nlu").glob("*.yml")):
        assert path.stem in contracts.LANGUAGES, path
    assert {p.stem for p in (BOT_DIR / "data" / "nlu").glob("*.yml")} == set(contracts.LANGUAGES)


def test_the_gateway_and_the_actions_read_the_payload_key_from_here() -> None:
    payload = contracts.helpline_payload("es", "MX", erase=True)
    assert payload == {contracts.HELPLINE_PAYLOAD_KEY: {"language": "es", "country": "MX",
                                                        "erase": True}}
