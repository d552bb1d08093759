"""The NLU's city gazetteer covers every place the knowledge base lists services in."""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.context import RELATIONS
from helpline.paths import BOT_DIR, ROOT

DATA = BOT_DIR / "helpline_nlu" / "data"
SEEDS = sorted((ROOT / "knowledge" / "seed" / "countries").glob("*.yaml"))
#: How far a service may be from the centre of the city it is listed in.
MAX_KM_FROM_CENTRE = 40.0
BORDER_AND_TRANSIT = {
    "MX": ["Tapachula", "Tijuana", "Ciudad Juárez"], "CO": ["Cúcuta", "Ipiales", "Necoclí"],
    "BR": ["Boa Vista", "Pacaraima"], "CL": ["Arica"], "PE": ["Tumbes"], "EC": ["Huaquillas"],
    "DO": ["Dajabón"], "PA": ["Darién"],
    "US": ["Houston", "Dallas", "New Jersey", "New York", "Los Angeles", "Miami", "Chicago"],
    "ES": ["Madrid", "Barcelona", "Valencia", "Canarias"],
}


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("'", " "))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def gazetteer() -> dict[tuple[str, str], list[float] | None]:
    """(country, folded name or variant) -> the place's [lat, lon] (None for big regions)."""
    data = yaml.safe_load((DATA / "cities.yaml").read_text(encoding="utf-8"))
    names: dict[tuple[str, str], list[float] | None] = {}
    for section in ("cities", "regions"):
        for code, entries in data[section].items():
            for name, spec in entries.items():
                spec = spec or {}
                for raw in [name, *(spec.get("also") or [])]:
                    names.setdefault((code, fold(raw)), spec.get("at"))
    return names


def listed_places(path: Path) -> list[dict[str, Any]]:
    """Every record with a `city` in one seed file (services, consulates)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("city"):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def km(a: list[float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem for p in SEEDS])
def test_every_service_city_is_in_the_gazetteer_near_its_services(seed: Path) -> None:
    names = gazetteer()
    code = seed.stem
    missing, far = [], []
    for record in listed_places(seed):
        city = re.sub(r"\s*\(.*\)", "", str(record["city"])).strip()
        key = (code, fold(city))
        if key not in names:
            missing.append(city)
            continue
        centre = names[key]
        if centre and record.get("lat") is not None and record.get("lon") is not None:
            distance = km(centre, (float(record["lat"]), float(record["lon"])))
            if distance > MAX_KM_FROM_CENTRE:
                far.append(f"{city} ({distance:.0f} km)")
    assert not missing, f"add to helpline_nlu/data/cities.yaml under {code}: {sorted(set(missing))}"
    assert not far, f"{code}: gazetteer centre far from the listed services: {far}"


def test_border_transit_and_main_destination_cities_have_a_centre() -> None:
    names = gazetteer()
    for code, cities in BORDER_AND_TRANSIT.items():
        for city in cities:
            assert names.get((code, fold(city))), (code, city)


def test_the_actions_know_every_relation_the_nlu_gives() -> None:
    data = yaml.safe_load((DATA / "subject.yaml").read_text(encoding="utf-8"))
    assert set(data["values"]) == RELATIONS
