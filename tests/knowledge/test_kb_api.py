"""The public API against seeded data on both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.api import (
    Profile,
    ProfileError,
    consulates,
    evaluate,
    hotlines,
    search_services,
    seeded_countries,
)

DAY = dt.date(2026, 11, 28)


def test_mexico_health_names_ley_de_migracion_art_8_with_date(session) -> None:
    ev = evaluate(session, Profile(country="MX", nationality="VE", migration_status="irregular",
                                   age=30, situation=["pregnant"]),
                  on=DAY, domains=["health"], lang="es")
    health = [e for e in ev.entitlements if e.jurisdiction == "MX"]
    assert len(health) == 1
    e = health[0]
    assert e.domain == "health" and e.status == "granted"
    assert ("Ley de Migración", "8") in [(b.title, b.article) for b in e.legal_basis]
    assert e.verified_on is not None and e.confidence == "confirmed"
    assert "atención médica" in e.summary
    assert "mx.health.all" in e.rules
    data = ev.to_dict()
    assert data["entitlements"][0]["verified_on"] == e.verified_on.isoformat()
    assert data["hotlines"][0]["number"] == "911"


def test_language_fallback_is_english(session) -> None:
    prof = Profile(country="MX")
    en = evaluate(session, prof, on=DAY, domains=["education"], lang="en").entitlements[0]
    ar = evaluate(session, prof, on=DAY, domains=["education"], lang="ar").entitlements[0]
    fr = evaluate(session, prof, on=DAY, domains=["education"], lang="fr").entitlements[0]
    assert ar.summary == en.summary
    assert fr.summary != en.summary and "situation migratoire" in fr.summary


def test_colombia_health_depends_on_status(session) -> None:
    irregular = evaluate(session, Profile(country="CO", nationality="VE",
                                          migration_status="irregular"),
                         on=DAY, domains=["health"], with_contacts=False).entitlements[0]
    regular = evaluate(session, Profile(country="CO", nationality="VE",
                                        migration_status="regular"),
                       on=DAY, domains=["health"], with_contacts=False).entitlements[0]
    unknown = evaluate(session, Profile(country="CO"), on=DAY, domains=["health"],
                       with_contacts=False).entitlements[0]
    assert irregular.status == "limited" and irregular.rules == ["co.health.urgent"]
    assert regular.status == "granted" and regular.rules == ["co.health.affiliated"]
    assert regular.confidence == "unconfirmed" and regular.verified_on is None
    assert unknown.status == "limited"


def test_domain_without_rules_is_unknown_not_invented(empty_db, tmp_path) -> None:
    from knowledge.db import session_scope
    from knowledge.rules import load_rule_files

    rules = tmp_path / "MX.yaml"
    rules.write_text("jurisdiction: MX\nsources:\n  s1: {title: Ley, article: '8'}\nrules:\n"
                     "  - id: mx.health.all\n    domain: health\n    status: granted\n"
                     "    citations: [s1]\n    confidence: unconfirmed\n"
                     "    text: {en: {summary: all}, es: {summary: todos}}\n", encoding="utf-8")
    with session_scope(empty_db.engine) as s:
        ev = evaluate(s, Profile(country="MX"), on=DAY, domains=["health", "social_security"],
                      with_contacts=False, rules=load_rule_files([rules]))
    national = {e.domain: e for e in ev.entitlements if e.jurisdiction == "MX"}
    assert national["health"].status == "granted" and national["health"].summary == "all"
    assert national["social_security"].status == "unknown"
    assert national["social_security"].summary == ""  # the presentation layer words it
    assert national["social_security"].legal_basis == []
    assert national["social_security"].confidence == "unconfirmed"
    assert [e.jurisdiction for e in ev.entitlements] == ["MX", "MX"]  # only the given rules


def test_rules_come_from_their_files_not_the_database(empty_db) -> None:
    """An empty database (no seed) answers from the shipped rule files; there is no copy."""
    from sqlalchemy import inspect

    from knowledge.db import session_scope

    assert not {"rules", "legal_sources", "rule_citations"} & set(
        inspect(empty_db.engine).get_table_names())
    with session_scope(empty_db.engine) as s:
        ev = evaluate(s, Profile(country="MX", migration_status="irregular"), on=DAY,
                      domains=["health"], with_contacts=False)
    assert ev.entitlements[0].rules and ev.entitlements[0].status == "granted"


def test_hotlines_emergency_first(session) -> None:
    for country in ("MX", "CO"):
        lines = hotlines(session, country, purposes=["trafficking", "violence", "emergency"])
        assert lines[0].purpose == "emergency"
        assert {"emergency", "trafficking", "violence"} <= {h.purpose for h in lines}
    co = hotlines(session, "CO", purposes=["trafficking"])
    assert "01 8000 52 20 20" in [h.number for h in co]
    for country in seeded_countries():  # a date of verification only on what was verified
        for h in hotlines(session, country):
            assert (h.confidence == "confirmed") == (h.verified_on is not None), h


def test_consulates_venezuela_in_colombia(session) -> None:
    cons = consulates(session, nationality="VE", country="CO")
    cities = {c.city for c in cons}
    assert {"Bogotá", "Cúcuta", "Medellín"} <= cities
    assert all(c.source_url for c in cons)  # every contact names where it comes from
    assert all(c.confidence == "unconfirmed" or c.verified_on for c in cons)


def test_search_near_point_and_samples_hidden(session) -> None:
    page = search_services(session, country="MX", category="legal_aid", language="es",
                           near=(19.43, -99.13), radius_km=50, page=1, per_page=2)
    assert page.total >= 3 and len(page.items) == 2
    assert all(s.distance_km is not None and s.distance_km <= 50 for s in page.items)
    first, second = page.items[0].distance_km, page.items[1].distance_km
    assert first is not None and second is not None and first <= second
    assert not any(s.is_sample for s in page.items)
    far = search_services(session, country="MX", near=(24.0, -93.0), radius_km=10)  # at sea
    assert far.total == 0
    shown = search_services(session, country="MX", per_page=100)
    with_samples = search_services(session, country="MX", per_page=100, include_samples=True)
    assert not any(s.is_sample for s in shown.items)
    assert with_samples.total > shown.total
    assert any(s.is_sample for s in with_samples.items)


def own_services(db, tmp_path) -> None:
    """Three services of the test's own around Bogotá, so search tests do not pin seed data."""
    from knowledge.db import session_scope
    from knowledge.io import import_file

    f = tmp_path / "own.yaml"
    f.write_text(
        "services:\n"
        "  - {id: t-migracion, name: Oficina de Migración, categories: [other], country: CO,"
        " city: Bogotá, lat: 4.711, lon: -74.072}\n"
        "  - {id: t-trabajo, name: Inspección del trabajo, categories: [work, legal_aid],"
        " country: CO, city: Bogotá, lat: 4.70, lon: -74.06}\n"
        "  - {id: t-defensa, name: Defensa legal, categories: [legal_aid], country: CO,"
        " city: Bogotá, lat: 4.72, lon: -74.08}\n", encoding="utf-8")
    with session_scope(db.engine) as s:
        import_file(s, f)


def test_search_free_text_is_accent_insensitive(empty_db, tmp_path) -> None:
    from knowledge.db import session_scope

    own_services(empty_db, tmp_path)
    with session_scope(empty_db.engine) as s:
        assert [x.id for x in search_services(s, country="CO", text="migracion").items] == [
            "t-migracion"]
        assert [x.id for x in search_services(s, country="CO", text="INSPECCIÓN").items] == [
            "t-trabajo"]
        assert search_services(s, country="CO", text="migrar").total == 0


@pytest.mark.parametrize("kwargs, field", [
    ({"country": "MX", "age": -1}, "age"),
    ({"country": "XX"}, "country"),
    ({"country": "MX", "nationality": "QQ"}, "nationality"),
    ({"country": "MX", "migration_status": "illegal"}, "migration_status"),
    ({"country": "MX", "situation": ["flying"]}, "situation"),
    ({"country": "MX", "age": 40, "situation": ["unaccompanied_minor"]}, "situation"),
    ({"country": "MX", "age": True}, "age"),
    ({"country": "MX", "age": "16"}, "age"),
    ({"country": "MX", "age": 131}, "age"),
    ({"country": "MX", "sex": "f"}, "sex"),
    ({"country": "MX", "situation": "minor"}, "situation"),
    ({"country": "MX", "sex": "male", "situation": ["pregnant"]}, "situation"),
    ({"country": ""}, "country"),
])
def test_impossible_profiles_are_rejected(kwargs, field) -> None:
    with pytest.raises(ProfileError) as info:
        Profile(**kwargs)
    assert info.value.field == field
    with pytest.raises(ProfileError) as info:
        Profile.from_dict(kwargs)
    assert info.value.field == field


@pytest.mark.parametrize("data, field, words", [
    ({"country": "MX", "colour": "blue"}, "colour", "unknown key"),
    ({"nationality": "VE"}, "country", "is required"),
    ({"country": None}, "country", "is required"),
    (["MX"], "(profile)", "JSON object"),
])
def test_profile_from_json_names_the_field(data, field, words) -> None:
    with pytest.raises(ProfileError) as info:
        Profile.from_dict(data)
    assert info.value.field == field and words in str(info.value)


def test_profile_normalises_and_is_frozen() -> None:
    prof = Profile.from_dict({"country": "co", "nationality": "ve", "age": 15,
                              "situation": ["returnee", "returnee"]})
    assert (prof.country, prof.nationality, prof.situation) == ("CO", "VE", ("returnee",))
    assert prof.situations == {"returnee", "minor"} and prof.status == "unknown"
    assert prof.to_dict() == {"country": "CO", "nationality": "VE", "migration_status": None,
                              "age": 15, "sex": None, "situation": ["returnee"]}
    assert Profile.from_dict(prof.to_dict()) == prof and hash(prof) == hash(Profile(
        country="CO", nationality="VE", age=15, situation=["returnee"]))
    with pytest.raises(ValueError):
        prof.age = 40


@pytest.mark.parametrize("country", seeded_countries())
def test_every_country_has_emergency_number_and_sourced_health_answer(session, country) -> None:
    lines = hotlines(session, country, purposes=["emergency", "trafficking", "violence"])
    assert lines and lines[0].purpose == "emergency"
    assert all(h.source_url for h in lines)
    ev = evaluate(session, Profile(country=country, migration_status="irregular"), on=DAY,
                  domains=["health"], lang="es")
    national = [e for e in ev.entitlements if e.jurisdiction == country]
    assert national[0].rules and national[0].legal_basis
    assert all(h.purpose in ("emergency", "trafficking", "violence") for h in ev.hotlines)


def test_dominican_health_warns_about_reporting_in_every_language(session) -> None:
    prof = Profile(country="DO", nationality="HT", migration_status="irregular")
    for lang, word in (("es", "Migración"), ("en", "migration"), ("fr", "Migration"),
                       ("ht", "Migrasyon"), ("pt", "migração")):
        ev = evaluate(session, prof, on=DAY, domains=["health"], lang=lang)
        e = ev.entitlements[0]
        assert e.status == "limited" and any(word in w for w in e.warnings), (lang, e.warnings)
        assert e.verified_on is not None


def test_corridor_consulates_never_invent_contacts(session) -> None:
    from sqlalchemy import select

    from knowledge import models as m

    rows = session.scalars(select(m.Consulate)).all()
    nationalities = {c.nationality for c in rows}
    assert {"VE", "HT", "CO", "HN", "GT", "SV", "NI", "CU", "BO", "PE"} <= nationalities
    for c in rows:
        assert c.source_url, c.id
        if c.phones or c.address:
            assert c.confidence == "unconfirmed" or c.verified_on is not None
    haiti_do = consulates(session, nationality="HT", country="DO")
    assert haiti_do[0].kind == "embassy"
    # No consulate known: the foreign ministry's general contact.
    ministries = {c.nationality for c in rows if c.kind == "foreign_ministry"}
    local = {(c.nationality, c.country) for c in rows
             if c.kind != "foreign_ministry" and c.status == "active"}
    pairs = [(n, c) for n in sorted(ministries) for c in seeded_countries()
             if n != c and (n, c) not in local]
    assert pairs, "every corridor has a local consulate: pick another fallback check"
    nationality, country = pairs[0]
    fallback = consulates(session, nationality=nationality, country=country)
    assert [c.kind for c in fallback] == ["foreign_ministry"]
    assert fallback[0].nationality == nationality


def test_samples_never_reach_users_by_default(session) -> None:
    for country in seeded_countries():
        page = search_services(session, country=country, per_page=100)
        assert not any(s.is_sample for s in page.items)
    demo = search_services(session, country="DO", category="legal_aid", include_samples=True)
    assert any(s.is_sample for s in demo.items)
    near = search_services(session, category="legal_aid", near=(18.48, -69.93), radius_km=20,
                           include_samples=True, per_page=50)
    assert "sample-do-legal" in [s.id for s in near.items]
    hidden = search_services(session, category="legal_aid", near=(18.48, -69.93),
                             radius_km=20, per_page=50)
    assert "sample-do-legal" not in [s.id for s in hidden.items] and hidden.total >= 1


def test_search_index_follows_edits_and_retirement(empty_db, tmp_path) -> None:
    from knowledge import models as m
    from knowledge.db import session_scope

    own_services(empty_db, tmp_path)
    near = (4.71, -74.07)
    with session_scope(empty_db.engine) as s:
        page = search_services(s, country="CO", category="work", near=near, radius_km=10)
        assert [x.id for x in page.items] == ["t-trabajo"]
        svc = s.get(m.Service, "t-trabajo")
        assert svc is not None
        svc.categories = ["legal_aid"]
    with session_scope(empty_db.engine) as s:
        assert search_services(s, country="CO", category="work", near=near,
                               radius_km=10).total == 0
        assert "t-trabajo" in [x.id for x in search_services(
            s, country="CO", category="legal_aid", near=near, radius_km=10).items]
        svc = s.get(m.Service, "t-trabajo")
        assert svc is not None
        svc.status = "retired"
    with session_scope(empty_db.engine) as s:
        assert [x.id for x in search_services(
            s, country="CO", category="legal_aid", near=near, radius_km=10).items] == [
            "t-defensa"]
        s.delete(s.get(m.Service, "t-defensa"))
    with session_scope(empty_db.engine) as s:
        assert search_services(s, country="CO", category="legal_aid", near=near,
                               radius_km=10, per_page=50).total == 0
        assert search_services(s, country="CO", category="other", near=near,
                               radius_km=10).total == 1


def test_indexed_and_plain_search_agree(session) -> None:
    for country, point in (("MX", (19.43, -99.13)), ("BR", (-15.8, -47.9))):
        indexed = search_services(session, country=country, category="legal_aid",
                                  near=point, radius_km=30, per_page=50)
        plain = search_services(session, country=country, near=point, radius_km=30,
                                per_page=100)
        expected = [s for s in plain.items if "legal_aid" in s.categories]
        assert [s.id for s in indexed.items] == [s.id for s in expected]
        assert [s.distance_km for s in indexed.items] == pytest.approx(
            [s.distance_km for s in expected], abs=0.01)
        assert indexed.total == len(expected) > 0
        page2 = search_services(session, country=country, category="legal_aid", near=point,
                                radius_km=30, page=2, per_page=1)
        assert page2.total == indexed.total
        assert [s.id for s in page2.items] == [s.id for s in expected[1:2]]
