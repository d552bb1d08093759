"""The places the NLU gives reach the answers: nearest services first, shared city names settled
by the conversation's country, a question about someone else marked as such."""

from __future__ import annotations

from typing import Any

from actions import actions as a
from actions.context import Context
from tests.actions.conftest import (  # noqa: F401  (fixtures: a real seeded knowledge base)
    knowledge_base,
    make_tracker,
    run_action,
    seeded_db,
    slot_events,
)

TAPACHULA = {"lat": 14.9039, "lon": -92.2575, "city": "Tapachula", "country": "MX"}
HOUSTON = {"lat": 29.7604, "lon": -95.3698, "city": "Houston", "country": "US"}
VALENCIA_ES = {"lat": 39.4699, "lon": -0.3763, "city": "Valencia", "country": "ES"}
VALENCIA_VE = {"lat": 10.162, "lon": -68.0077, "city": "Valencia", "country": "VE"}
VALENCIA = {"city": "Valencia", "candidates": [VALENCIA_ES, VALENCIA_VE]}


def entity(name: str, value: Any) -> dict[str, Any]:
    return {"entity": name, "value": value, "extractor": "HelplineEntityExtractor"}


def services_listed(texts: list[str]) -> list[str]:
    return [line for text in texts for line in text.splitlines() if line.startswith("📍")]


async def test_a_city_in_lower_case_lists_the_services_there_first() -> None:
    tracker = make_tracker(
        "new_conversation", text="estoy en tapachula con mis dos hijos, necesitamos comida",
        intent="find_service",
        entities=[entity("country", "MX"), entity("location", TAPACHULA),
                  entity("service_category", "food")],
        slots={"country": "MX", "location": TAPACHULA, "service_category": "food",
               "language": "es"})
    texts, _, _ = await run_action(a.ActionFindService(), tracker)
    listed = services_listed(texts)
    assert listed and all("Tapachula" in line and "km)" in line for line in listed), listed


async def test_a_us_city_lists_that_citys_services_not_the_countrys_first() -> None:
    tracker = make_tracker(
        "new_conversation", text="I live in houston and need a clinic", intent="find_service",
        entities=[entity("country", "US"), entity("location", HOUSTON),
                  entity("service_category", "health")],
        slots={"country": "US", "location": HOUSTON, "service_category": "health",
               "language": "en"})
    texts, _, _ = await run_action(a.ActionFindService(), tracker)
    listed = services_listed(texts)
    assert listed and "Houston" in listed[0], listed
    assert not any("Tucson" in line or "New York" in line for line in listed), listed


async def test_a_shared_city_name_is_settled_by_the_conversations_country() -> None:
    tracker = make_tracker(
        "new_conversation", text="vivo en Valencia, ¿dónde hay un médico?", intent="find_service",
        entities=[entity("location", VALENCIA), entity("service_category", "health")],
        slots={"country": "ES", "location": VALENCIA, "service_category": "health",
               "language": "es"})
    texts, _, events = await run_action(a.ActionFindService(), tracker)
    assert slot_events(events)["location"]["lat"] == VALENCIA_ES["lat"]
    assert services_listed(texts), texts


def context(slots: dict[str, Any], entities: list[dict[str, Any]] | None = None) -> Context:
    return Context.from_tracker(make_tracker("new_conversation", text="ok", intent="inform",
                                             entities=entities or [],
                                             slots={"language": "es", **slots}))


def test_shared_city_waits_for_a_country_then_takes_its_candidate() -> None:
    assert context({"location": VALENCIA}).slot("location") == VALENCIA
    assert context({"location": VALENCIA, "country": "VE"}).slot("location") == VALENCIA_VE
    assert context({"location": VALENCIA, "country": "PE"}).slot("location") == VALENCIA


def test_a_city_of_a_country_the_person_has_left_no_longer_places_them() -> None:
    ctx = context({"location": HOUSTON, "country": "MX"})
    assert ctx.slot("location") is None
    assert context({"location": HOUSTON, "country": "US"}).city == "Houston"
    shared_from_phone = {"lat": 19.43, "lon": -99.13}
    assert context({"location": shared_from_phone, "country": "US"}).slot("location") == \
        shared_from_phone


def test_subject_is_a_relation_or_none() -> None:
    assert context({"subject": "brother"}).subject == "brother"
    assert context({"subject": "self"}).subject is None
    assert context({"subject": None}).subject is None
    assert context({"subject": "the president"}).subject is None


async def test_typed_location_or_subject_that_no_answer_can_use_is_dropped() -> None:
    for name, value in (("location", {"lat": 999, "lon": 0}), ("location", "zz"),
                        ("subject", "nobody")):
        tracker = make_tracker("new_conversation", text=f'/inform{{"{name}": "{value}"}}',
                               intent="inform", entities=[entity(name, value)],
                               slots={name: value, "language": "en"})
        tracker.events.append({"event": "slot", "name": name, "value": value})
        _, _, events = await run_action(a.ActionInform(), tracker)
        assert slot_events(events)[name] is None, (name, value)
