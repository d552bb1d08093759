"""Unit tests of HelplineEntityExtractor: each case runs `process` on a real Rasa Message."""

from __future__ import annotations

from typing import Set, Tuple

import pytest
from rasa.shared.nlu.training_data.message import Message

from helpline_nlu.entities import HelplineEntityExtractor

C, N, L = "country", "nationality", "language"
S, SIT, SVC = "migration_status", "situation", "service_category"


@pytest.fixture(scope="module")
def extractor() -> HelplineEntityExtractor:
    return HelplineEntityExtractor.create({}, None, None, None)


# `location` and `subject` have their own tests (test_entities_places.py, test_entities_subject.py).
OWN_TESTS = ("location", "subject")


def found(extractor: HelplineEntityExtractor, text: str) -> Set[Tuple[str, str]]:
    message = Message.build(text=text)
    extractor.process([message])
    return {
        (e["entity"], e["value"]) for e in message.get("entities", [])
        if e["entity"] not in OWN_TESTS
    }


CASES = [
    # --- residence and origin (es)
    ("soy venezolano y vivo en Perú", {(N, "VE"), (C, "PE")}),
    ("vengo de Honduras, ahora estoy en México", {(N, "HN"), (C, "MX")}),
    ("soy de Colombia", {(N, "CO")}),
    ("nací en Haití pero vivo en República Dominicana", {(N, "HT"), (C, "DO")}),
    ("estoy en Chile", {(C, "CL")}),
    ("llegué a Ecuador hace un mes", {(C, "EC")}),
    ("soy de Caracas, Venezuela", {(N, "VE")}),
    ("vengo de Honduras y Guatemala", {(N, "HN"), (N, "GT")}),
    ("soy hondureña y vivo en EEUU", {(N, "HN"), (C, "US")}),
    ("vivo en la dominicana", {(C, "DO")}),
    ("soy dominicana", {(N, "DO")}),
    ("vivo en Argentina", {(C, "AR")}),
    ("soy argentina", {(N, "AR")}),
    ("tengo 3 años en Chile", {(C, "CL")}),
    ("de nacionalidad cubana, resido en Uruguay", {(N, "CU"), (C, "UY")}),
    ("mi bebé nació en Chile", {(C, "CL")}),
    # --- destinations are neither residence nor origin
    ("quiero ir a Chile", set()),
    ("estoy en México y quiero ir a Estados Unidos o Canadá", {(C, "MX")}),
    ("I want to go to Canada", set()),
    ("je veux aller au Canada", set()),
    ("m vle ale Chili", set()),
    ("quero ir para o Brasil", set()),
    ("voy a ir al hospital en Chile", {(SVC, "health"), (C, "CL")}),
    # --- cities name their country; capitalised-only names count in lower case after a cue
    ("soy de San Pedro Sula, Honduras", {(N, "HN")}),
    ("vivo en lima", {(C, "PE")}),
    ("compré una lima", set()),
    ("estoy en usa", {(C, "US")}),
    ("ella usa el celular", set()),
    ("hola desde Lima", {(C, "PE")}),
    ("I live in New York, I'm from Ecuador", {(C, "US"), (N, "EC")}),
    ("m soti Okap, m nan Santiago de Chile", {(N, "HT"), (C, "CL")}),
    ("moro em São Paulo", {(C, "BR")}),
    ("el patrón me quitó el pasaporte", {(SIT, "trafficking_victim")}),
    ("el patron me quito el pasaporte", {(SIT, "trafficking_victim")}),
    ("vivo en Quito", {(C, "EC")}),
    # --- consulates and going back point to nationality
    ("donde queda el consulado de venezuela", {(SVC, "consulate"), (N, "VE")}),
    ("embajada de Haití en Santo Domingo", {(SVC, "consulate"), (N, "HT"), (C, "DO")}),
    ("si vuelvo a Venezuela me meten preso", {(N, "VE")}),
    ("I can't go back to Honduras", {(N, "HN")}),
    ("refugio en Costa Rica como se pide", {(C, "CR")}),
    ("what is the ibero-american convention", set()),
    # --- an answer opening with "de" / "from" / "soti" is an origin
    ("de Venezuela", {(N, "VE")}),
    ("from haiti", {(N, "HT")}),
    ("soti Ayiti", {(N, "HT")}),
    ("De la dominicana, vivo en Chile", {(N, "DO"), (C, "CL")}),
    ("desde Chile te escribo", {(C, "CL")}),
    ("sou venezuelana, moro em Roraima", {(N, "VE"), (C, "BR")}),
    # --- spelling slips in status, situation and service words
    ("necesito un ospital", {(SVC, "health")}),
    ("je peux aller a lhopital", {(SVC, "health")}),
    ("busco un alvergue", {(SVC, "shelter")}),
    ("m gen yon andikap", {(SIT, "disability")}),
    ("can i regularize if i came as a tourist", set()),
    # --- someone else's nationality gives nothing
    ("mi esposo es colombiano", set()),
    ("je me suis marié avec une chilienne", set()),
    ("soy colombiano y mi esposa es peruana", {(N, "CO")}),
    ("je suis ivoirien au Mexique", {(N, "CI"), (C, "MX")}),
    ("pou m tounen Ayiti", {(N, "HT")}),
    ("mon patron a pris mon passeport", {(SIT, "trafficking_victim"), (SVC, "work")}),
    ("my boss has my passport", {(SIT, "trafficking_victim"), (SVC, "work")}),
    ("mon bébé est né au Brésil", {(C, "BR")}),
    ("je suis née en Haïti", {(N, "HT")}),
    ("vivo en la isla Reunión", {(C, "RE")}),
    # --- bare answers, missing accents, misspellings
    ("Perú", {(C, "PE")}),
    ("peru", {(C, "PE")}),
    ("mexico", {(C, "MX")}),
    ("Venezuela", {(C, "VE")}),
    ("vzla", {(C, "VE")}),
    ("vivo en venesuela", {(C, "VE")}),
    ("soy benezolano", {(N, "VE")}),
    ("estoy en colonbia", {(C, "CO")}),
    ("soy de ecuador, vivo en brazil", {(N, "EC"), (C, "BR")}),
    ("soy colonbiano", {(N, "CO")}),
    ("soy haitiano y estoy en RD", {(N, "HT"), (C, "DO")}),
    ("costarricense", {(N, "CR")}),
    ("soy tico", {(N, "CR")}),
    ("nicaraguense", {(N, "NI")}),
    ("estoy en los estados", {(C, "US")}),
    # --- en
    ("I'm from Colombia but I live in the US", {(N, "CO"), (C, "US")}),
    ("im from haiti and im in chile", {(N, "HT"), (C, "CL")}),
    ("I'm Venezuelan, I live in Peru", {(N, "VE"), (C, "PE")}),
    ("I was born in Guatemala", {(N, "GT")}),
    ("currently in Mexico", {(C, "MX")}),
    # --- pt
    ("sou venezuelano e moro no Brasil", {(N, "VE"), (C, "BR")}),
    ("sou do Haiti, estou no Brasil", {(N, "HT"), (C, "BR")}),
    ("moro na Argentina", {(C, "AR")}),
    ("nasci na Bolívia", {(N, "BO")}),
    ("sou brasileira", {(N, "BR")}),
    # --- fr
    ("je viens d'Haïti, j'habite au Chili", {(N, "HT"), (C, "CL")}),
    ("je suis vénézuélienne et je suis au Pérou", {(N, "VE"), (C, "PE")}),
    ("je suis haitien, je vis en France", {(N, "HT"), (C, "FR")}),
    ("je suis au Mexique", {(C, "MX")}),
    ("j’habite en Argentine", {(C, "AR")}),
    # --- ht
    ("m soti Ayiti, m nan Chili", {(N, "HT"), (C, "CL")}),
    ("mwen se moun Ayiti men m ap viv nan Brezil", {(N, "HT"), (C, "BR")}),
    ("m se ayisyen, m rete Dominikani", {(N, "HT"), (C, "DO")}),
    ("m nan Meksik", {(C, "MX")}),
    ("m'ap viv nan Etazini", {(C, "US")}),
    ("mwen soti Venezyela", {(N, "VE")}),
    # --- migration status
    ("no tengo papeles", {(S, "irregular")}),
    ("estoy sin papeles", {(S, "irregular")}),
    ("soy indocumentado", {(S, "irregular")}),
    ("tengo la visa vencida", {(S, "irregular")}),
    ("tengo papeles", {(S, "regular")}),
    ("no estoy regularizada", {(S, "irregular")}),
    ("I'm undocumented", {(S, "irregular")}),
    ("estou sem documentos", {(S, "irregular")}),
    ("je suis sans papiers", {(S, "irregular")}),
    ("m san papye", {(S, "irregular")}),
    ("tengo el PPT", {(S, "regular")}),
    ("pedí asilo en México", {(S, "asylum_seeker"), (C, "MX")}),
    ("soy solicitante de refugio", {(S, "asylum_seeker")}),
    ("I applied for asylum", {(S, "asylum_seeker")}),
    ("je suis demandeur d'asile", {(S, "asylum_seeker")}),
    ("m mande azil", {(S, "asylum_seeker")}),
    ("soy refugiada", {(S, "refugee")}),
    ("I am a refugee", {(S, "refugee")}),
    ("prefiero no decir", {(S, "unknown")}),
    ("prefer not to say", {(S, "unknown")}),
    ("prefiro não dizer", {(S, "unknown")}),
    ("je préfère ne pas dire", {(S, "unknown")}),
    ("m pa vle di", {(S, "unknown")}),
    # --- situations
    ("estoy embarazada", {(SIT, "pregnant")}),
    ("estoy enbarazada de 5 meses", {(SIT, "pregnant")}),
    ("I'm pregnant", {(SIT, "pregnant")}),
    ("estou grávida", {(SIT, "pregnant")}),
    ("je suis enceinte", {(SIT, "pregnant")}),
    ("mwen ansent", {(SIT, "pregnant")}),
    ("no estoy embarazada", set()),
    ("tengo 16 años", {(SIT, "minor")}),
    ("I'm 15", {(SIT, "minor")}),
    ("tenho 17 anos", {(SIT, "minor")}),
    ("j'ai 16 ans", {(SIT, "minor")}),
    ("m gen 15 an", {(SIT, "minor")}),
    ("tengo quince años", {(SIT, "minor")}),
    ("soy menor de edad", {(SIT, "minor")}),
    ("tengo 25 años", set()),
    ("tengo 2 hijos", set()),
    ("mi hijo tiene 5 años", set()),
    ("tengo 16 años y viajo sola", {(SIT, "unaccompanied_minor")}),
    ("soy un menor no acompañado", {(SIT, "unaccompanied_minor")}),
    ("mineur non accompagné", {(SIT, "unaccompanied_minor")}),
    ("me quitaron el pasaporte y no me dejan salir", {(SIT, "trafficking_victim")}),
    ("they took my passport", {(SIT, "trafficking_victim")}),
    ("yo pran paspò m", {(SIT, "trafficking_victim")}),
    ("mi pareja me pega", {(SIT, "violence_victim")}),
    ("il me frappe", {(SIT, "violence_victim")}),
    ("me detuvo la policía", {(SIT, "detained")}),
    ("I've been arrested", {(SIT, "detained")}),
    ("m nan prizon", {(SIT, "detained")}),
    # the country someone was deported from is neither where they are nor their nationality
    ("me deportaron de Estados Unidos", {(SIT, "returnee")}),
    ("me deportaron de estados unidos y estoy en san pedro sula", {(SIT, "returnee"), (C, "HN")}),
    ("fui deportado", {(SIT, "returnee")}),
    ("uso silla de ruedas", {(SIT, "disability")}),
    ("mwen andikape", {(SIT, "disability")}),
    # --- services
    ("necesito un medico", {(SVC, "health")}),
    ("busco albergue y comida", {(SVC, "shelter"), (SVC, "food")}),
    ("where is the consulate", {(SVC, "consulate")}),
    ("preciso de um advogado", {(SVC, "legal_aid")}),
    ("je cherche un psychologue", {(SVC, "psychosocial")}),
    ("salud mental", {(SVC, "psychosocial")}),
    ("clínica jurídica gratuita", {(SVC, "legal_aid")}),
    ("m bezwen lekòl pou pitit mwen", {(SVC, "education")}),
    ("busco trabajo", {(SVC, "work")}),
    ("número de emergencia", {(SVC, "hotline")}),
    ("kote mwen ka jwenn manje", {(SVC, "food")}),
    # --- languages
    ("en inglés por favor", {(L, "en")}),
    ("in English please", {(L, "en")}),
    ("em português", {(L, "pt")}),
    ("en français svp", {(L, "fr")}),
    ("an kreyòl", {(L, "ht")}),
    ("kreyol", {(L, "ht")}),
    ("creole please", {(L, "ht")}),
    ("español", {(L, "es")}),
    ("hablame en ingles", {(L, "en")}),
    ("soy español", {(N, "ES")}),
    ("hablo haitiano", {(L, "ht")}),
    ("me pagan menos por ser haitiano", {(N, "HT")}),
    ("soy venezolana pero hablo portugués", {(N, "VE"), (L, "pt")}),
    # --- negatives: nothing to extract
    ("hola", set()),
    ("en", set()),
    ("gracias, muy amable", set()),
    ("Peruvians", {(N, "PE")}),
    ("superuser", set()),
    ("ellos irán mañana", set()),
    ("estoy cansada", set()),
    ("pero no sé", set()),
    ("the angle is wrong", set()),
    ("eso es lo que usa la gente", set()),
    ("I'm in trouble", set()),
    ("soy latinoamericano", set()),
    ("Latin American food", {(SVC, "food")}),
    ("no tengo 5 minutos", set()),
    ("j'ai un problème", set()),
    ("on travaille dans la mine", set()),
    ("tengo reunión en el consulado", {(SVC, "consulate")}),
    ("titre de séjour pour les africains", set()),
    ("no estoy detenido", set()),
    ("I'm not pregnant", set()),
    ("", set()),
    ("/choose_language", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_extracts(
    extractor: HelplineEntityExtractor, text: str, expected: Set[Tuple[str, str]]
) -> None:
    assert found(extractor, text) == expected


def test_entity_dicts_have_rasa_shape_and_offsets(extractor: HelplineEntityExtractor) -> None:
    text = "soy venezolano y vivo en Perú"
    message = Message.build(text=text)
    extractor.process([message])
    entities = [e for e in message.get("entities") if e["entity"] not in OWN_TESTS]
    assert [text[e["start"] : e["end"]] for e in entities] == ["venezolano", "Perú"]
    for entity in entities:
        assert entity["confidence_entity"] == 1.0
        assert entity["extractor"] == "HelplineEntityExtractor"
        assert set(entity) >= {"start", "end", "value", "entity"}


def test_keeps_entities_of_earlier_extractors(extractor: HelplineEntityExtractor) -> None:
    earlier = {"entity": "other", "start": 0, "end": 4, "value": "x", "extractor": "X"}
    message = Message.build(text="vivo en Chile")
    message.set("entities", [earlier])
    extractor.process([message])
    assert message.get("entities")[0] == earlier
    assert ("country", "CL") in {(e["entity"], e["value"]) for e in message.get("entities")}


def test_config_limits_entities() -> None:
    only = HelplineEntityExtractor.create({"entities": ["nationality"]}, None, None, None)
    assert found(only, "soy venezolano y vivo en Perú") == {(N, "VE")}


def test_config_rejects_unknown_entity() -> None:
    with pytest.raises(ValueError):
        HelplineEntityExtractor({"entities": ["age"]})


def test_offsets_point_at_accented_words(extractor: HelplineEntityExtractor) -> None:
    text = "¡Ayúdame! Estoy en Perú, soy haitiana"
    message = Message.build(text=text)
    extractor.process([message])
    spans = {
        e["value"]: text[e["start"] : e["end"]]
        for e in message.get("entities")
        if e["entity"] not in OWN_TESTS
    }
    assert spans == {"PE": "Perú", "HT": "haitiana"}
