"""A residence or identity document names the migration status, never the nationality."""

from __future__ import annotations

import pytest

from helpline_nlu.extraction import extract_entities

CASES = [
    ("I have a Chilean ID card", {("migration_status", "regular")}),
    ("tengo DNI argentino", {("migration_status", "regular")}),
    ("tengo cédula chilena", {("migration_status", "regular")}),
    ("tengo PPT", {("migration_status", "regular")}),
    ("y si tengo el PEP?", {("migration_status", "regular")}),
    ("tengo cedula de extranjeria", {("migration_status", "regular")}),
    ("I have a green card", {("migration_status", "regular")}),
    ("I have TPS", {("migration_status", "regular")}),
    ("tenho CRNM", {("migration_status", "regular")}),
    ("tengo el NIE", {("migration_status", "regular")}),
    ("tengo carné de refugiado", {("migration_status", "refugee")}),
    ("how do I get a green card?", set()),
    ("¿cómo saco el DNI argentino?", set()),
    ("my Chilean ID card expired", set()),
    ("soy venezolano y tengo DNI argentino",
     {("nationality", "VE"), ("migration_status", "regular")}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_document_is_status_not_nationality(text: str, expected: set) -> None:
    found = {(e["entity"], e["value"]) for e in extract_entities(text) if e["entity"] != "subject"}
    assert found == expected
