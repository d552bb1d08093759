"""Contact fields of services, consulates and hotlines: validation naming file, line and field;
migration 0004 moving a consulate's single phone into `phones`; seed, API and CSV/YAML round
trips."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from knowledge import models as m
from knowledge.api import consulates, hotlines, search_services
from knowledge.db import session_scope
from knowledge.io import ImportFailed, export_file, import_file
from knowledge.schemas import parse_phones, phones_to_text
from knowledge.setup import SeedError, migrate, seed

SEED = """\
country: {code: MX, name: México}
hotlines:
  - id: mx-911
    country: MX
    purpose: emergency
    number: "911"
    name: Emergencias
    hours: "24/7"
    whatsapp: "+52 55 1234 5678"
    notes: Intérpretes en lenguas indígenas.
consulates:
  - id: hn-mx-tapachula
    nationality: HN
    country: MX
    city: Tapachula
    kind: consulate
    address: "4a Av. Norte 12, Tapachula"
    phones: [{number: "+52 962 642 5111", label: central}, "+52 962 100 0000"]
    email: consulado.tapachula@example.org
    hours: "lun-vie 08:30-16:30"
    appointment: false
services:
  - id: svc-albergue
    name: Albergue Belén
    categories: [shelter]
    country: MX
    city: Tapachula
    lat: 14.9
    lon: -92.26
    phones: [{number: "+52 962 626 1234", label: recepción}]
    whatsapp: "+52 962 100 2000"
    email: info@example.org
    address: "Calle 1 Sur 5, Tapachula"
    hours: "todos los días 07:00-19:00"
    appointment: true
"""


def write_seed(root: Path, body: str) -> Path:
    (root / "countries").mkdir(parents=True, exist_ok=True)
    path = root / "countries" / "MX.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_seed_loads_contacts_into_the_api(empty_db, tmp_path: Path) -> None:
    write_seed(tmp_path, SEED)
    with session_scope(empty_db.engine) as s:
        seed(s, seed_dir=tmp_path)
    with session_scope(empty_db.engine) as s:
        line = hotlines(s, "MX", purposes=["emergency"])[0]
        assert (line.whatsapp, line.notes) == ("+52 55 1234 5678",
                                                "Intérpretes en lenguas indígenas.")
        cons = consulates(s, nationality="HN", country="MX")[0]
        assert [(p.number, p.label) for p in cons.phones] == [
            ("+52 962 642 5111", "central"), ("+52 962 100 0000", None)]
        assert cons.email == "consulado.tapachula@example.org" and cons.appointment is False
        assert cons.hours == "lun-vie 08:30-16:30"
        svc = search_services(s, country="MX", category="shelter", near=(14.9, -92.26)).items[0]
        assert svc.phones[0].number == "+52 962 626 1234" and svc.phones[0].label == "recepción"
        assert svc.whatsapp == "+52 962 100 2000" and svc.address == "Calle 1 Sur 5, Tapachula"
        assert svc.hours == "todos los días 07:00-19:00" and svc.appointment is True
        assert svc.to_dict()["phones"] == [{"number": "+52 962 626 1234", "label": "recepción"}]
        # Seeding again changes nothing.
        assert seed(s, seed_dir=tmp_path).updated == {}


BAD_VALUES = [
    ('    phones: [{number: "+52 962 626 1234", label: recepción}]\n',
     '    phones: [{number: "+52 962 CALL NOW", label: recepción}]\n', "phones"),
    ('    hours: "todos los días 07:00-19:00"\n', '    hours: "todos los días 07:00-25:00"\n',
     "hours"),
    ("    email: info@example.org\n", "    email: info@@example\n", "email"),
    ('    whatsapp: "+52 962 100 2000"\n', '    whatsapp: "wa.me/abc"\n', "whatsapp"),
    ('    hours: "24/7"\n', '    hours: "8:60-17:00"\n', "hours"),
    ('    hours: "lun-vie 08:30-16:30"\n', '    hours: "lun-vie 24:30"\n', "hours"),
]


@pytest.mark.parametrize("good, bad, field", BAD_VALUES)
def test_bad_contact_is_an_error_naming_file_line_and_field(empty_db, tmp_path: Path,
                                                            good: str, bad: str,
                                                            field: str) -> None:
    assert good in SEED
    path = write_seed(tmp_path, SEED.replace(good, bad))
    line = SEED.splitlines().index(good.rstrip("\n")) + 1
    with pytest.raises(SeedError) as info, session_scope(empty_db.engine) as s:
        seed(s, seed_dir=tmp_path)
    assert str(info.value).startswith(f"{path}:{line}: field {field}"), str(info.value)


def test_single_phone_of_a_consulate_is_refused_with_the_new_field_name(empty_db,
                                                                         tmp_path: Path) -> None:
    write_seed(tmp_path, SEED.replace("    phones: [{number: \"+52 962 642 5111\", label: "
                                      "central}, \"+52 962 100 0000\"]\n",
                                      "    phone: \"+52 962 642 5111\"\n"))
    with pytest.raises(SeedError, match="replaced by phones"), \
            session_scope(empty_db.engine) as s:
        seed(s, seed_dir=tmp_path)


@pytest.mark.parametrize("text, phones", [
    ("+51 1 311 0300 (central)|+51 987 654 321",
     [{"number": "+51 1 311 0300", "label": "central"}, {"number": "+51 987 654 321"}]),
    ("(809) 686-7115", [{"number": "(809) 686-7115"}]),
    ("(809) 686-7115 (línea 2)", [{"number": "(809) 686-7115", "label": "línea 2"}]),
    ("", []),
])
def test_csv_phone_form_parses_and_prints_back(text: str, phones: list[dict[str, str]]) -> None:
    assert parse_phones(text) == phones
    assert phones_to_text(phones) == text


def test_contacts_round_trip_through_csv_and_yaml(empty_db, tmp_path: Path) -> None:
    write_seed(tmp_path, SEED)
    with session_scope(empty_db.engine) as s:
        seed(s, seed_dir=tmp_path)
    for kind in ("services", "consulates", "hotlines"):
        for suffix in ("csv", "yaml"):
            path = tmp_path / f"{kind}.{suffix}"
            with session_scope(empty_db.engine) as s:
                assert export_file(s, path, kind) >= 1
            with session_scope(empty_db.engine) as s:
                res = import_file(s, path)
            assert (res.kind, res.created, res.updated, res.unchanged) == (kind, 0, 0, res.rows)
    rows = list(csv.DictReader((tmp_path / "consulates.csv").open(encoding="utf-8")))
    # A leading + would make a spreadsheet read the cell as a formula: export quotes it.
    assert rows[0]["phones"] == "'+52 962 642 5111 (central)|+52 962 100 0000"
    assert "phone" not in rows[0]
    svc = next(csv.DictReader((tmp_path / "services.csv").open(encoding="utf-8")))
    assert (svc["whatsapp"], svc["appointment"]) == ("'+52 962 100 2000", "true")


def test_csv_import_rejects_bad_phone_with_line_and_field(empty_db, tmp_path: Path) -> None:
    f = tmp_path / "svc.csv"
    f.write_text("id,name,categories,country,phones,hours\n"
                 "a1,Clinic,health,MX,+52 55 1111 2222 (central),08:00-14:00\n"
                 "a2,Clinic,health,MX,call 555-HELP,08:00-14:00\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as info, session_scope(empty_db.engine) as s:
        import_file(s, f)
    assert [(e.line, e.field.split(".")[0]) for e in info.value.errors] == [(3, "phones")]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql",
                                                             marks=pytest.mark.postgres)])
def test_migration_0004_moves_a_consulates_phone_into_phones(backend: str,
                                                              tmp_path: Path) -> None:
    from tests.knowledge.conftest import Database

    db = Database(backend, tmp_path)
    try:
        migrate(db.url, revision="0003")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO consulates (id, nationality, country, kind, phone, confidence, "
                "status) VALUES ('c1', 'HN', 'US', 'consulate', '+1 646-921-4129', "
                "'unconfirmed', 'active'), ('c2', 'HN', 'US', 'consulate', NULL, "
                "'unconfirmed', 'active')"))
        migrate(db.url)
        cols = {c["name"] for c in sa.inspect(db.engine).get_columns("consulates")}
        assert "phone" not in cols and {"phones", "whatsapp", "email", "hours",
                                        "appointment"} <= cols
        with session_scope(db.engine) as s:
            c1, c2 = s.get(m.Consulate, "c1"), s.get(m.Consulate, "c2")
            assert c1 is not None and c2 is not None
            assert c1.phones == [{"number": "+1 646-921-4129", "label": None}]
            assert c2.phones == []
        from alembic import command

        from knowledge.setup import alembic_config

        command.downgrade(alembic_config(db.url), "0003")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT phone FROM consulates WHERE id = 'c1'")
                                ).scalar() == "+1 646-921-4129"
    finally:
        db.drop()



def test_sources_that_are_not_links_are_warned_about_not_refused(empty_db,
                                                                  tmp_path: Path) -> None:
    body = SEED.replace("    notes: Intérpretes en lenguas indígenas.\n",
                        "    notes: Intérpretes en lenguas indígenas.\n"
                        "    source_url: facts.md countries table\n")
    body = body.replace("    appointment: true\n", "    appointment: true\n"
                        "    confidence: confirmed\n    verified_on: 2026-12-02\n")
    path = write_seed(tmp_path, body)
    with session_scope(empty_db.engine) as s:
        report = seed(s, seed_dir=tmp_path)
        assert s.get(m.Hotline, "mx-911") is not None  # still loaded
    local = [w for w in report.warnings if w.startswith(str(path))]
    assert local == [
        f"{path}:3: hotline mx-911: source 'facts.md countries table' is not an http(s) link",
        f"{path}:24: service svc-albergue: confirmed without a source link"]


def test_country_fields_fit_their_columns(empty_db, tmp_path: Path) -> None:
    path = write_seed(tmp_path, SEED.replace("name: México}", "name: " + "M" * 101 + "}"))
    with pytest.raises(SeedError) as info, session_scope(empty_db.engine) as s:
        seed(s, seed_dir=tmp_path)
    assert str(info.value).startswith(f"{path}:1: field name: String should have at most 100")


def test_a_phone_label_that_csv_could_not_read_back_is_refused() -> None:
    import pytest
    from pydantic import ValidationError

    from knowledge.schemas import Phone

    with pytest.raises(ValidationError, match="parentheses"):
        Phone(number="+593 2 299 3200", label="central (Quito)")
    assert Phone(number="+593 2 299 3200", label="central, Quito").label == "central, Quito"
