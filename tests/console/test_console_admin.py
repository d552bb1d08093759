"""The listings admin through the real app and a seeded knowledge base: edit, verify, retire,
audit history with the signed-in admin as actor, escaping, bad input, import and export."""

from __future__ import annotations

import datetime as dt
import sqlite3

import httpx
import pytest
from starlette.testclient import TestClient

from console.settings import ConsoleSettings
from tests.console.conftest import ADMIN, csrf_of


def kb_row(settings: ConsoleSettings, sql: str, *args: object) -> tuple[object, ...] | None:
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        row = conn.execute(sql, args).fetchone()
    return tuple(row) if row else None


def first_hotline(settings: ConsoleSettings) -> str:
    row = kb_row(settings, "SELECT id FROM hotlines WHERE country='PE' AND status='active' "
                           "ORDER BY id LIMIT 1")
    assert row
    return str(row[0])


def post_form(client: TestClient, page_path: str, action: str,
              data: dict[str, object]) -> httpx.Response:
    token = csrf_of(client.get(page_path).text)
    return client.post(action, data={**data, "csrf_token": token})


def edit_data(client: TestClient, kind: str, record_id: str) -> dict[str, object]:
    """The record's edit form as a browser would post it back unchanged."""
    import re

    html = client.get(f"/admin/{kind}/{record_id}").text
    form = html.split('class="record"', 1)[1].split("</form>", 1)[0]
    data: dict[str, object] = {}
    for name, value in re.findall(r'<input id="f-[^"]+" name="([^"]+)" type="[^"]+" '
                                  r'value="([^"]*)"', form):
        data[name] = value.replace("&amp;", "&").replace("&#34;", '"').replace("&#39;", "'")
    for name, body in re.findall(r'<select id="f-[^"]+" name="([^"]+)">(.*?)</select>', form,
                                 re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>',
                                 form, re.S):
        data[name] = body
    multi: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="([^"]+)" value="([^"]+)" checked', form):
        multi.setdefault(name, []).append(value)
    return {**data, **multi}


def test_lists_filter_and_search(admin: TestClient) -> None:
    page = admin.get("/admin/services?country=PE&category=health").text
    assert " records" in page and "Tacna" in page and "<td>CO</td>" not in page
    assert "Tacna" not in admin.get("/admin/services?country=PE&q=Lima").text
    assert admin.get("/admin/hotlines?country=PE").status_code == 200
    assert admin.get("/admin/consulates?country=PE&q=VE").status_code == 200
    assert admin.get("/admin/legal-sources?jurisdiction=PE").status_code == 200
    assert "Ley 27604" in admin.get("/admin/legal-sources?jurisdiction=PE").text
    assert admin.get("/admin/nothing").status_code == 404


def test_edit_hotline_number_is_audited_with_the_admin(admin: TestClient,
                                                       settings: ConsoleSettings) -> None:
    hid = first_hotline(settings)
    old = kb_row(settings, "SELECT number FROM hotlines WHERE id=?", hid)
    assert old
    data = edit_data(admin, "hotlines", hid)
    data["number"] = "+51 1 555 0100"
    response = post_form(admin, f"/admin/hotlines/{hid}", f"/admin/hotlines/{hid}", data)
    assert response.status_code == 303, response.text[:2000]
    assert kb_row(settings, "SELECT number FROM hotlines WHERE id=?", hid) == ("+51 1 555 0100",)
    audit = kb_row(settings, "SELECT actor, action FROM audit_log WHERE entity='hotlines' "
                             "AND entity_id=? ORDER BY id DESC LIMIT 1", hid)
    assert audit == (ADMIN, "update")
    page = admin.get(f"/admin/hotlines/{hid}").text
    history = page.split('id="history-title"', 1)[1]
    assert ADMIN in history and f"{old[0]} → +51 1 555 0100" in history


def test_phone_with_letters_is_refused_and_nothing_written(admin: TestClient,
                                                           settings: ConsoleSettings) -> None:
    hid = first_hotline(settings)
    before = kb_row(settings, "SELECT number FROM hotlines WHERE id=?", hid)
    data = edit_data(admin, "hotlines", hid)
    data["number"] = "01 800 CALL NOW"
    response = post_form(admin, f"/admin/hotlines/{hid}", f"/admin/hotlines/{hid}", data)
    assert response.status_code == 422
    assert "not a phone number" in response.text and 'class="field-error"' in response.text
    assert kb_row(settings, "SELECT number FROM hotlines WHERE id=?", hid) == before


def new_service(**extra: object) -> dict[str, object]:
    return {"id": "test-clinic", "name": "Clínica de prueba", "categories": ["health"],
            "country": "PE", "city": "Lima", "lat": "-12.05", "lon": "-77.04",
            "phones": "+51 1 311 0300 (central)", "confidence": "unconfirmed", **extra}


def test_create_verify_retire_never_delete(admin: TestClient,
                                           settings: ConsoleSettings) -> None:
    response = post_form(admin, "/admin/services/new", "/admin/services/new", new_service())
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/services/test-clinic?notice=saved"
    post_form(admin, "/admin/services/test-clinic", "/admin/services/test-clinic/verify", {})
    row = kb_row(settings, "SELECT verified_on, confidence FROM services WHERE id='test-clinic'")
    assert row == (dt.date.today().isoformat(), "confirmed")
    post_form(admin, "/admin/services/test-clinic", "/admin/services/test-clinic/retire", {})
    assert kb_row(settings, "SELECT status FROM services WHERE id='test-clinic'") == ("retired",)
    actions = kb_row(settings, "SELECT group_concat(action || ':' || actor) FROM audit_log "
                               "WHERE entity='services' AND entity_id='test-clinic'")
    assert actions and str(actions[0]).count(ADMIN) == 3
    assert "test-clinic" not in admin.get("/admin/services?country=PE&q=prueba").text
    assert "test-clinic" in admin.get("/admin/services?country=PE&q=prueba&status=all").text


@pytest.mark.parametrize("extra,field", [
    ({"lat": "123", "lon": "0"}, "lat"),
    ({"phones": "call me maybe"}, "phones"),
    ({"id": "bad id with spaces"}, "id"),
    ({"country": "XX"}, "country"),
    ({"url": "javascript:alert(1)"}, "url"),
])
def test_bad_listings_get_a_clear_message(admin: TestClient, settings: ConsoleSettings,
                                          extra: dict[str, object], field: str) -> None:
    response = post_form(admin, "/admin/services/new", "/admin/services/new",
                         new_service(**extra))
    assert response.status_code == 422
    assert 'class="field-error"' in response.text
    assert kb_row(settings, "SELECT count(*) FROM services WHERE id=?",
                  extra.get("id", "test-clinic")) == (0,)


def test_duplicate_id_is_refused(admin: TestClient, settings: ConsoleSettings) -> None:
    existing = kb_row(settings, "SELECT id FROM services LIMIT 1")
    assert existing
    response = post_form(admin, "/admin/services/new", "/admin/services/new",
                         new_service(id=existing[0]))
    assert response.status_code == 422 and "already used" in response.text


def test_script_in_a_listing_name_is_shown_escaped(admin: TestClient) -> None:
    name = '<script>alert("x")</script> Casa'
    post_form(admin, "/admin/services/new", "/admin/services/new",
              new_service(id="xss-test", name=name))
    for path in ("/admin/services?q=Casa&country=PE", "/admin/services/xss-test"):
        page = admin.get(path).text
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Casa" in page


def test_admin_posts_need_csrf(admin: TestClient, settings: ConsoleSettings) -> None:
    hid = first_hotline(settings)
    for path in (f"/admin/hotlines/{hid}", f"/admin/hotlines/{hid}/verify",
                 f"/admin/hotlines/{hid}/retire", "/admin/services/new", "/admin/import",
                 "/admin/import/apply"):
        assert admin.post(path, data={"number": "1"}).status_code == 403, path
    assert kb_row(settings, "SELECT status FROM hotlines WHERE id=?", hid) == ("active",)


def test_caseworker_is_refused_every_admin_page(caseworker: TestClient,
                                                settings: ConsoleSettings) -> None:
    hid = first_hotline(settings)
    for path in ("/admin/services", "/admin/hotlines", f"/admin/hotlines/{hid}",
                 "/admin/stale", "/admin/import", "/admin/export?kind=services&format=csv",
                 "/admin/legal-sources"):
        assert caseworker.get(path).status_code == 403, path
    token = csrf_of(caseworker.get("/checker").text)
    response = caseworker.post(f"/admin/hotlines/{hid}/retire", data={"csrf_token": token})
    assert response.status_code == 403
    assert kb_row(settings, "SELECT status FROM hotlines WHERE id=?", hid) == ("active",)


def test_stale_report_counts_per_country(admin: TestClient) -> None:
    page = admin.get("/admin/stale").text
    assert 'id="stale-counts"' in page and "STALE_AFTER_DAYS" in page


CSV_HEADER = "id,name,categories,country,city,lat,lon,phones\n"


def upload(client: TestClient, name: str, content: bytes) -> httpx.Response:
    token = csrf_of(client.get("/admin/import").text)
    return client.post("/admin/import", data={"csrf_token": token, "kind": "services"},
                       files={"file": (name, content, "text/csv")})


def test_import_with_one_bad_row_is_refused_whole(admin: TestClient,
                                                  settings: ConsoleSettings) -> None:
    body = (CSV_HEADER + "imp-1,Uno,health,PE,Lima,-12.0,-77.0,+51 1 000 0001\n"
            "imp-2,Dos,health,PE,Lima,-95.0,-77.0,+51 1 000 0002\n"
            "imp-3,Tres,health,PE,Lima,-12.1,-77.1,not-a-phone\n")
    response = upload(admin, "bad.csv", body.encode())
    assert response.status_code == 422
    errors = response.text.split('id="import-errors"', 1)[1]
    assert "<td>3</td><td>lat</td>" in errors and "<td>4</td><td>phones" in errors
    assert kb_row(settings, "SELECT count(*) FROM services WHERE id LIKE 'imp-%'") == (0,)


def test_import_previews_then_applies_all(admin: TestClient,
                                          settings: ConsoleSettings) -> None:
    body = CSV_HEADER + "".join(f"imp-{i},Servicio {i},health,PE,Lima,-12.0,-77.0,"
                                f"+51 1 000 {i:04d}\n" for i in range(30))
    response = upload(admin, "good.csv", body.encode())
    assert response.status_code == 200
    assert "create 30, change 0" in response.text
    assert kb_row(settings, "SELECT count(*) FROM services WHERE id LIKE 'imp-%'") == (0,)
    import re

    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"',
                             response.text.split('action="/admin/import/apply"', 1)[1]))
    applied = admin.post("/admin/import/apply", data=fields)
    assert applied.status_code == 303
    job = applied.headers["location"]
    import time

    for _ in range(100):
        page = admin.get(job).text
        if 'id="import-done"' in page:
            break
        time.sleep(0.1)
    assert "30 created" in page
    assert kb_row(settings, "SELECT count(*) FROM services WHERE id LIKE 'imp-%'") == (30,)
    actor = kb_row(settings, "SELECT DISTINCT actor FROM audit_log WHERE entity_id='imp-7'")
    assert actor == (ADMIN,)


def test_oversized_upload_is_refused(admin: TestClient, settings: ConsoleSettings) -> None:
    limit = settings.console_max_upload_bytes
    response = upload(admin, "huge.csv", CSV_HEADER.encode() + b"x" * (limit + 10))
    assert response.status_code == 413
    assert "larger than" in response.text


def test_export_round_trips(admin: TestClient) -> None:
    response = admin.get("/admin/export?kind=hotlines&format=csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="hotlines-')
    assert response.text.splitlines()[0].startswith("id,")
    yaml = admin.get("/admin/export?kind=consulates&format=yaml")
    assert yaml.text.startswith("consulates:")
