"""Cities name their country and give a location, in any case, with or without accents or
country."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest

from helpline_nlu.extraction import extract_entities
from helpline_nlu.lexicon import load_lexicon

PLACE = ("country", "nationality")


def places(text: str) -> Tuple[set, Optional[Dict[str, Any]]]:
    """(country/nationality pairs, the location value) of one message."""
    entities = extract_entities(text)
    pairs = {(e["entity"], e["value"]) for e in entities if e["entity"] in PLACE}
    locations = [e["value"] for e in entities if e["entity"] == "location"]
    assert len(locations) <= 1, locations
    return pairs, (locations[0] if locations else None)


def city_of(location: Optional[Dict[str, Any]]) -> Optional[Tuple[str, str]]:
    if location is None or "candidates" in location:
        return None
    return location["country"], location["city"]


CITY_CASES: List[Tuple[str, set, Optional[Tuple[str, str]]]] = [
    # lower case, no accents, no country: the city alone is enough
    ("lima", {("country", "PE")}, ("PE", "Lima")),
    ("tapachula", {("country", "MX")}, ("MX", "Tapachula")),
    ("houston", {("country", "US")}, ("US", "Houston")),
    ("new jersey", {("country", "US")}, ("US", "New Jersey")),
    ("en lima", {("country", "PE")}, ("PE", "Lima")),
    ("hola desde lima peru", {("country", "PE")}, ("PE", "Lima")),
    ("vivo en lima", {("country", "PE")}, ("PE", "Lima")),
    ("estoy en tapachula con mis dos hijos", {("country", "MX")}, ("MX", "Tapachula")),
    ("I live in houston", {("country", "US")}, ("US", "Houston")),
    ("im in dallas with my wife", {("country", "US")}, ("US", "Dallas")),
    ("moro em boa vista", {("country", "BR")}, ("BR", "Boa Vista")),
    ("estou em pacaraima", {("country", "BR")}, ("BR", "Pacaraima")),
    ("je suis à montreal", {("country", "CA")}, ("CA", "Montréal")),
    ("m nan miami", {("country", "US")}, ("US", "Miami")),
    ("yo fe m travay nan kann nan la romana", {("country", "DO")}, ("DO", "La Romana")),
    ("en el paso siguiente te digo", set(), None),
    ("m rete nan Santo Domingo", {("country", "DO")}, ("DO", "Santo Domingo")),
    ("estamos en cucuta", {("country", "CO")}, ("CO", "Cúcuta")),
    ("llegamos a ipiales", {("country", "CO")}, ("CO", "Ipiales")),
    ("estoy en necocli esperando cruzar", {("country", "CO")}, ("CO", "Necoclí")),
    ("estamos en el darien", {("country", "PA")}, ("PA", "Darién")),
    ("estoy en huaquillas", {("country", "EC")}, ("EC", "Huaquillas")),
    ("en tumbes", {("country", "PE")}, ("PE", "Tumbes")),
    ("estoy en arica", {("country", "CL")}, ("CL", "Arica")),
    ("m nan dajabon", {("country", "DO")}, ("DO", "Dajabón")),
    ("estoy en ciudad juarez", {("country", "MX")}, ("MX", "Ciudad Juárez")),
    ("vivo en tijuana", {("country", "MX")}, ("MX", "Tijuana")),
    ("mexico city", {("country", "MX")}, ("MX", "Ciudad de México")),
    ("vivimos en cdmx", {("country", "MX")}, ("MX", "Ciudad de México")),
    ("I'm in new york", {("country", "US")}, ("US", "New York")),
    ("trabajo en Los Ángeles", {("country", "US")}, ("US", "Los Angeles")),
    ("estoy en chicago", {("country", "US")}, ("US", "Chicago")),
    ("vivo en Madrid", {("country", "ES")}, ("ES", "Madrid")),
    ("tô em madri sem papeis", {("country", "ES")}, ("ES", "Madrid")),
    ("j habite a barcelone", {("country", "ES")}, ("ES", "Barcelona")),
    ("je suis haitienne a saint domingue", {("nationality", "HT"), ("country", "DO")},
     ("DO", "Santo Domingo")),
    ("working in a restaurant in barcelona", {("country", "ES")}, ("ES", "Barcelona")),
    ("estoy en Tenerife", {("country", "ES")}, ("ES", "Tenerife")),
    ("llegué a Canarias en cayuco", {("country", "ES")}, ("ES", "Canarias")),
    ("I'm in the Canary Islands", {("country", "ES")}, ("ES", "Canarias")),
    # a city with its country or region
    ("vivo en Houston, Texas", {("country", "US")}, ("US", "Houston")),
    ("estoy en San José, Costa Rica", {("country", "CR")}, ("CR", "San José")),
    ("estoy en santiago de chile", {("country", "CL")}, ("CL", "Santiago")),
    # origin: the nationality, never a location
    ("soy de Caracas", {("nationality", "VE")}, None),
    ("I'm from San Pedro Sula", {("nationality", "HN")}, None),
    ("m soti Okap, m nan Santiago de Chile", {("nationality", "HT"), ("country", "CL")},
     ("CL", "Santiago")),
    # a region too big for one centre: the country only
    ("the farm boss in florida holds our passports", {("country", "US")}, None),
    ("vivo en Texas", {("country", "US")}, None),
    # ordinary words that are also city names
    ("compré una lima", set(), None),
    ("queremos la paz", set(), None),
    ("dame un limón", set(), None),
    ("mi amigo David me ayuda", set(), None),
]


@pytest.mark.parametrize(("text", "expected", "city"), CITY_CASES, ids=[c[0] for c in CITY_CASES])
def test_city_sets_country_and_location(text: str, expected: set,
                                        city: Optional[Tuple[str, str]]) -> None:
    pairs, location = places(text)
    assert pairs == expected
    assert city_of(location) == city


def test_location_has_the_city_centre() -> None:
    _, location = places("estoy en tapachula")
    assert location == {"lat": 14.9039, "lon": -92.2575, "city": "Tapachula", "country": "MX"}


SHARED_CASES = [
    # a shared name settles with the country or a region named with it
    ("vivo en Valencia, España", {("country", "ES")}, ("ES", "Valencia")),
    ("vivo en valencia españa", {("country", "ES")}, ("ES", "Valencia")),
    ("vivo en Valencia, Venezuela", {("country", "VE")}, ("VE", "Valencia")),
    ("vivo en Valencia, Carabobo", {("country", "VE")}, ("VE", "Valencia")),
    ("estoy en España, en Valencia", {("country", "ES")}, ("ES", "Valencia")),
    ("estoy en Santa Cruz, Bolivia", {("country", "BO")}, ("BO", "Santa Cruz")),
    ("vivo en León, Guanajuato", {("country", "MX")}, ("MX", "León")),
    ("vivo en Córdoba, Argentina", {("country", "AR")}, ("AR", "Córdoba")),
    ("Liberia, Guanacaste", {("country", "CR")}, ("CR", "Liberia")),
    # a preferred default unless the message says otherwise
    ("vivo en Barcelona", {("country", "ES")}, ("ES", "Barcelona")),
    ("vivo en Barcelona, Venezuela", {("country", "VE")}, ("VE", "Barcelona")),
]


@pytest.mark.parametrize(("text", "expected", "city"), SHARED_CASES,
                         ids=[c[0] for c in SHARED_CASES])
def test_shared_city_name_settles_with_a_cue(text: str, expected: set,
                                             city: Tuple[str, str]) -> None:
    pairs, location = places(text)
    assert pairs == expected
    assert city_of(location) == city


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("vivo en Valencia", {"ES", "VE"}),
        ("estoy en Santiago", {"CL", "DO", "CU", "ES", "PA"}),
        ("estoy en San José", {"CR", "US"}),
        ("vivo en León", {"MX", "NI", "ES"}),
        ("vivo en Córdoba", {"AR", "ES", "MX"}),
        ("estamos en Santa Cruz", {"BO", "ES", "US"}),
        ("soy brasileño, vivo en Valencia", {"ES", "VE"}),
    ],
)
def test_unsettled_shared_name_gives_candidates_and_no_country(text: str, countries: set) -> None:
    pairs, location = places(text)
    assert ("country", "ES") not in pairs and not {p for p in pairs if p[0] == "country"}
    assert location is not None and "lat" not in location
    assert {c["country"] for c in location["candidates"]} == countries
    for candidate in location["candidates"]:
        assert set(candidate) == {"lat", "lon", "city", "country"}


def test_an_origin_city_never_gives_a_location() -> None:
    _, location = places("soy de Valencia pero vivo en Lima")
    assert city_of(location) == ("PE", "Lima")


def test_one_location_per_message_the_city_over_its_region() -> None:
    entities = extract_entities("vivo en New Jersey, en Newark")
    assert [e["value"]["city"] for e in entities if e["entity"] == "location"] == ["Newark"]


def test_every_city_with_a_centre_is_on_earth_and_every_shared_name_has_candidates() -> None:
    lexicon = load_lexicon()
    assert len(lexicon.places) > 400
    for place in lexicon.places.values():
        if place.lat is not None:
            assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180, place  # type: ignore[operator]
    for name, ids in lexicon.shared.items():
        assert ids and all(i in lexicon.places for i in ids), name
    assert {"valencia", "santiago", "leon", "cordoba", "santa cruz"} <= set(lexicon.shared)
