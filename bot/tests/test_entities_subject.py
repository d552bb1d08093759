"""A question about someone else gives `subject` and that person's country and nationality;
origins never overwrite residence; documents name neither."""

from __future__ import annotations

from typing import Optional

import pytest

from helpline_nlu.extraction import extract_entities

PLACE = ("country", "nationality")


def read(text: str) -> tuple[set, Optional[str]]:
    entities = extract_entities(text)
    pairs = {(e["entity"], e["value"]) for e in entities if e["entity"] in PLACE}
    subjects = [e["value"] for e in entities if e["entity"] == "subject"]
    assert len(subjects) <= 1, subjects
    return pairs, (subjects[0] if subjects else None)


SUBJECT_CASES = [
    ("mi hermano fue detenido en Ciudad de México, es de Honduras",
     {("country", "MX"), ("nationality", "HN")}, "brother"),
    ("my brother was arrested in Mexico City, he is from Honduras",
     {("country", "MX"), ("nationality", "HN")}, "brother"),
    ("my brother was arrested in mexico city, he is from honduras",
     {("country", "MX"), ("nationality", "HN")}, "brother"),
    ("a mi hermano lo detuvieron en Tijuana, es guatemalteco",
     {("country", "MX"), ("nationality", "GT")}, "brother"),
    ("ICE arrested my husband in Houston, he is from Guatemala",
     {("country", "US"), ("nationality", "GT")}, "husband"),
    ("meu irmão foi preso em São Paulo, ele é da Venezuela",
     {("country", "BR"), ("nationality", "VE")}, "brother"),
    ("mon frère a été arrêté à Montréal, il vient d'Haïti",
     {("country", "CA"), ("nationality", "HT")}, "brother"),
    ("frè m arete nan Miami, li soti Ayiti", {("country", "US"), ("nationality", "HT")}, "brother"),
    # the speaker's own place is left out: the profile is the subject's
    ("mi hermano está detenido en Texas y yo estoy en México", {("country", "US")}, "brother"),
    # ... unless it is the only one given: then it is theirs too
    ("soy hondureño y mi hermano está preso en Guatemala",
     {("nationality", "HN"), ("country", "GT")}, "brother"),
    ("ayuda mi esposo se desmayo y no respira bien estamos en houston", {("country", "US")},
     "husband"),
    ("socorro minha filha tomou veneno de rato, estamos em manaus", {("country", "BR")},
     "daughter"),
    ("acabamos de salir de la selva, estamos en meteti y mi hijo tiene fiebre", {("country", "PA")},
     "son"),
    # a cue inside the relation ("mari m nan": not "m nan", I am in)
    ("ICE arete mari m nan new york, kisa m ka fe", {("country", "US")}, "husband"),
    ("migrasyon arete fre m nan santo domingo", {("country", "DO")}, "brother"),
    ("my wife is in the hospital in Lima", {("country", "PE")}, "wife"),
    ("mi hijo no tiene cupo en la escuela", set(), "son"),
    ("mis hijos tienen hambre", set(), "children"),
    ("m bezwen lekòl pou pitit mwen", set(), "child"),
    # relations that are not the subject
    ("mi esposo me pega", set(), None),
    ("my husband took my passport", set(), None),
    ("mari m bat mwen", set(), None),
    ("mi esposo es peruano", set(), None),
    ("mi esposo es de Colombia", set(), None),
    ("vivo con mi esposo y mis hijos en Quito", {("country", "EC")}, None),
    ("mwen nan tapachula ak 2 pitit mwen", {("country", "MX")}, "self"),
    ("estoy con mis hijos en Tapachula", {("country", "MX")}, None),
    # the speaker again
    ("¿y yo? estoy en Chile", {("country", "CL")}, "self"),
    ("what about me? I'm in Chile", {("country", "CL")}, "self"),
    ("soy venezolano y vivo en Perú", {("nationality", "VE"), ("country", "PE")}, "self"),
    ("necesito un médico", set(), None),
]


@pytest.mark.parametrize(("text", "expected", "subject"), SUBJECT_CASES,
                         ids=[c[0] for c in SUBJECT_CASES])
def test_subject_and_their_places(text: str, expected: set, subject: Optional[str]) -> None:
    assert read(text) == (expected, subject)


ORIGIN_CASES = [
    # "from X" is an origin wherever it stands: it never overwrites where the person is
    ("I work in Dallas, I'm from El Salvador", {("country", "US"), ("nationality", "SV")}),
    ("I'm in Dallas. My boss hasn't paid me. from El Salvador",
     {("country", "US"), ("nationality", "SV")}),
    ("we are 12 from guatemala", {("nationality", "GT")}),
    ("on est 5 et on vient du mexique", {("nationality", "MX")}),
    ("i flew to toronto from nigeria last week", {("country", "CA"), ("nationality", "NG")}),
    ("I'm writing from Tijuana", {("country", "MX")}),
    # the country someone was deported from is neither residence nor origin
    ("I was deported from the US", set()),
    ("me deportaron de estados unidos y estoy en san pedro sula", {("country", "HN")}),
    # a home country as the subject of a document or record
    ("I'm in Valencia, Spain and need my Brazilian criminal record", {("country", "ES")}),
    ("soy brasileña, vivo en Valencia, necesito mi certificado de antecedentes penales brasileño",
     {("nationality", "BR")}),
    ("my Brazilian criminal record", set()),
    ("necesito mis antecedentes penales brasileños", set()),
    ("tengo cédula venezolana", set()),
    ("my Colombian ID expired", set()),
    ("preciso da minha carteira de identidade brasileira", set()),
    ("mon casier judiciaire haïtien", set()),
    ("kat idantite ayisyen m", set()),
    ("I have a Chilean ID card", set()),
    ("tengo DNI argentino y PPT", set()),
    ("I'm Brazilian, I need my criminal record", {("nationality", "BR")}),
]


@pytest.mark.parametrize(("text", "expected"), ORIGIN_CASES, ids=[c[0] for c in ORIGIN_CASES])
def test_origin_and_documents_never_set_residence(text: str, expected: set) -> None:
    assert read(text)[0] == expected
