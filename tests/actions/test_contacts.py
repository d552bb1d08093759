"""Service, consulate and hotline answers show phone, WhatsApp, address and hours when the
knowledge base has them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actions import actions as a
from tests.actions.conftest import make_tracker, run_action


@pytest.fixture
def contacts(knowledge_base: str) -> Iterator[None]:
    """A shelter, a consulate and a hotline with every contact field, removed afterwards."""
    from knowledge import models as m
    from knowledge.db import make_engine, session_scope

    engine = make_engine(knowledge_base)
    with session_scope(engine) as s:
        s.add(m.Service(id="test-contacts-shelter", name="Albergue Prueba", country="MX",
                        city="Tapachula", lat=14.905, lon=-92.263, categories=["shelter"],
                        languages=["es"], phones=[{"number": "+52 962 626 1234",
                                                   "label": "recepción"}],
                        whatsapp="+52 962 100 2000", address="Calle 1 Sur 5, Tapachula",
                        hours="todos los días 07:00-19:00", confidence="unconfirmed"))
        s.add(m.Consulate(id="test-contacts-consulate", nationality="SV", country="UY",
                          city="Montevideo", kind="consulate", address="Av. Prueba 1",
                          phones=[{"number": "+598 2 000 0000", "label": None}],
                          whatsapp="+598 99 000 000", hours="lun-vie 09:00-13:00",
                          confidence="unconfirmed"))
        s.add(m.Hotline(id="test-contacts-line", country="MX", purpose="violence",
                        number="800 000 0000", name="Línea Prueba", whatsapp="+52 55 0000 0000",
                        notes="Intérpretes en 200 idiomas.", position=99,
                        confidence="unconfirmed"))
    try:
        yield
    finally:
        with session_scope(engine) as s:
            for model, key in ((m.Service, "test-contacts-shelter"),
                               (m.Consulate, "test-contacts-consulate"),
                               (m.Hotline, "test-contacts-line")):
                obj = s.get(model, key)
                if obj is not None:
                    s.delete(obj)
        engine.dispose()


async def test_service_answer_gives_phone_whatsapp_address_and_hours(contacts: None) -> None:
    tracker = make_tracker("in_mexico_spanish", text="busco un albergue", intent="find_service",
                           slots={"service_category": "shelter"},
                           metadata={"location": {"lat": 14.9, "lon": -92.26}})
    texts, _, _ = await run_action(a.ActionFindService(), tracker)
    answer = "\n".join(texts)
    assert "Albergue Prueba" in answer
    for part in ("+52 962 626 1234 (recepción)", "WhatsApp +52 962 100 2000",
                 "Calle 1 Sur 5, Tapachula", "07:00-19:00"):
        assert part in answer, (part, answer)


async def test_consular_answer_gives_the_consulates_contacts(contacts: None) -> None:
    tracker = make_tracker("new_conversation", text="donde esta mi consulado",
                           intent="ask_consular_help",
                           slots={"country": "UY", "nationality": "SV", "language": "es"})
    texts, _, _ = await run_action(a.ActionConsularHelp(), tracker)
    answer = "\n".join(texts)
    for part in ("Av. Prueba 1", "+598 2 000 0000", "WhatsApp +598 99 000 000", "09:00-13:00"):
        assert part in answer, (part, answer)


async def test_hotline_answer_gives_whatsapp_and_notes(contacts: None) -> None:
    tracker = make_tracker("in_mexico_spanish", text="mi pareja me golpea",
                           intent="report_violence")
    texts, _, _ = await run_action(a.ActionSafety(), tracker)
    answer = "\n".join(texts)
    assert "800 000 0000" in answer
    assert "WhatsApp +52 55 0000 0000" in answer and "Intérpretes en 200 idiomas." in answer


async def test_a_hospital_in_the_us_comes_with_what_enforcement_there_means(
        knowledge_base: str) -> None:
    import actions.actions as a
    from tests.actions.conftest import make_tracker, run_action

    tracker = make_tracker("in_us_english", text="where is a clinic?", intent="find_service",
                           slots={"service_category": "health"})
    texts, _, _ = await run_action(a.ActionFindService(), tracker)
    before = next(t for t in texts if t.startswith("Before you go:"))
    assert "20 January 2025" in before


async def test_the_consulate_in_the_persons_city_comes_first(knowledge_base: str) -> None:
    import actions.actions as a
    from tests.actions.conftest import make_tracker, run_action

    for city in ("Dallas", "Chicago"):
        tracker = make_tracker("in_us_english", text="where is my consulate?",
                               intent="ask_consular_help",
                               slots={"nationality": "MX", "location": {
                                   "lat": 0.0, "lon": 0.0, "city": city, "country": "US"}})
        texts, _, _ = await run_action(a.ActionConsularHelp(), tracker)
        listing = next(t for t in texts if "🏛️" in t)
        assert listing.split("🏛️")[1].strip().startswith(city), listing[:200]
