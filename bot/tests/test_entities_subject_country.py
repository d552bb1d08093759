"""A home country that is only the subject of the question (a criminal record) sets no place."""

from __future__ import annotations

import pytest

from helpline_nlu.extraction import extract_entities

CASES = [
    (
        "soy brasileña, vivo en España, necesito mis antecedentes penales de Brasil",
        {("nationality", "BR"), ("country", "ES")},
    ),
    ("I need my criminal record from Brazil", set()),
    ("preciso dos antecedentes criminais do Brasil", set()),
    ("il me faut mon casier judiciaire du Brésil", set()),
    ("vivo en España", {("country", "ES")}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_subject_country_is_not_residence(text: str, expected: set) -> None:
    found = {(e["entity"], e["value"]) for e in extract_entities(text) if e["entity"] != "subject"}
    assert found == expected
