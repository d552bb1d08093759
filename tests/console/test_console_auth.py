"""Logins, sessions, roles and CSRF through the real app and its databases."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from console.accounts import set_active
from console.db import console_engine
from console.settings import ConsoleSettings
from tests.console.conftest import ADMIN, CASEWORKER, csrf_of, login


def test_health_is_open(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_pages_need_a_login(client: TestClient) -> None:
    response = client.get("/checker")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/checker"


def test_login_then_logout(client: TestClient) -> None:
    response = login(client, CASEWORKER)
    assert response.status_code == 303 and response.headers["location"] == "/checker"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    page = client.get("/checker")
    assert page.status_code == 200 and CASEWORKER in page.text
    assert page.headers["cache-control"] == "no-store"
    out = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303
    assert client.get("/checker").status_code == 303


def test_logged_out_cookie_is_dead(client: TestClient) -> None:
    login(client, CASEWORKER)
    stolen = dict(client.cookies)
    page = client.get("/checker")
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    client.cookies.clear()
    for name, value in stolen.items():
        client.cookies.set(name, value)
    assert client.get("/checker").status_code == 303


def test_wrong_password_is_refused(client: TestClient) -> None:
    response = login(client, CASEWORKER, "not the password at all")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.text
    assert client.get("/checker").status_code == 303


def test_login_is_throttled(client: TestClient) -> None:
    for _ in range(5):
        assert login(client, CASEWORKER, "wrong password 123").status_code == 401
    response = login(client, CASEWORKER)  # even the right password now waits
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text


def test_disabled_user_cannot_log_in(client: TestClient, settings: ConsoleSettings) -> None:
    engine = console_engine(settings.console_database_url)
    set_active(engine, CASEWORKER, False)
    engine.dispose()
    assert login(client, CASEWORKER).status_code == 401


def test_disabling_ends_open_sessions(caseworker: TestClient,
                                      settings: ConsoleSettings) -> None:
    assert caseworker.get("/checker").status_code == 200
    engine = console_engine(settings.console_database_url)
    set_active(engine, CASEWORKER, False)
    engine.dispose()
    assert caseworker.get("/checker").status_code == 303


def test_forged_session_cookie_is_refused(client: TestClient) -> None:
    response = login(client, CASEWORKER)
    name = next(iter(n for n in client.cookies if n.endswith("console_session")))
    genuine = client.cookies[name]
    client.cookies.clear()
    # A cookie signed with another key, and the genuine value with one byte changed.
    from itsdangerous import URLSafeSerializer

    for forged in (URLSafeSerializer("another key", salt="console-session").dumps("x" * 43),
                   genuine[:-2] + ("A" if genuine[-2] != "A" else "B") + genuine[-1]):
        client.cookies.set(name, forged)
        assert client.get("/checker").status_code == 303, forged
    assert response.status_code == 303


def test_post_without_csrf_token_is_refused(caseworker: TestClient) -> None:
    for path, data in (("/checker", {"country": "PE"}), ("/logout", {}),
                       ("/language", {"lang": "fr"}), ("/checker/print", {"country": "PE"})):
        response = caseworker.post(path, data=data)
        assert response.status_code == 403, path
        wrong = caseworker.post(path, data={**data, "csrf_token": "guessed"})
        assert wrong.status_code == 403, path
    assert caseworker.get("/checker").status_code == 200  # still signed in


def test_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": CASEWORKER, "password": "x"})
    assert response.status_code == 403


def test_every_post_route_checks_csrf(admin: TestClient) -> None:
    from starlette.routing import Route

    app = admin.app
    posts = [r.path for r in app.routes  # type: ignore[attr-defined]
             if isinstance(r, Route) and "POST" in (r.methods or ()) and "{" not in r.path]
    assert "/checker" in posts
    for path in posts:
        assert admin.post(path, data={}).status_code == 403, path


def test_language_switch_is_per_user(client: TestClient) -> None:
    login(client, ADMIN)
    page = client.get("/checker")
    assert 'lang="en"' in page.text  # from the browser's Accept-Language
    client.post("/language", data={"lang": "pt", "next": "/checker",
                                   "csrf_token": csrf_of(page.text)})
    page = client.get("/checker")
    assert 'lang="pt"' in page.text
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    client.cookies.clear()
    login(client, ADMIN)  # kept on the account, not only in the browser
    assert 'lang="pt"' in client.get("/checker").text


def test_production_refuses_to_start_without_its_secret() -> None:
    from console.settings import load_console_settings
    from helpline.settings import SettingsError

    for value in ("", "changeme-0123456789abcdefghijklmnop", "Ab3dEf9hJk"):
        with pytest.raises(SettingsError, match="CONSOLE_SECRET_KEY") as err:
            load_console_settings(helpline_env="production", console_secret_key=value)
        assert not value or value not in str(err.value)
    with pytest.raises(SettingsError, match="CONSOLE_DATABASE_URL has a placeholder") as err:
        load_console_settings(helpline_env="production",
                              console_secret_key="Zq8v3LmT1xW9pR4sB7nK2cH6yD5fG0jA",
                              console_database_url="postgresql://u:changeme@db/helpline")
    assert "changeme" not in str(err.value)
    ok = load_console_settings(helpline_env="production",
                               console_secret_key="Zq8v3LmT1xW9pR4sB7nK2cH6yD5fG0jA")
    assert ok.production


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    from console.settings import load_console_settings
    from helpline.settings import SettingsError

    monkeypatch.setenv("HELPLINE_ENV", "production")
    monkeypatch.setenv("CONSOLE_SECRET_KEY", "")
    with pytest.raises(SettingsError, match="CONSOLE_SECRET_KEY"):
        load_console_settings()
    monkeypatch.setenv("HELPLINE_ENV", "")
    monkeypatch.setenv("CONSOLE_PORT", "")
    assert load_console_settings().console_port == 8000


def test_production_cookies_are_secure(settings: ConsoleSettings) -> None:
    from console.app import create_app

    prod = settings.model_copy(update={"helpline_env": "production",
                                       "console_secret_key": "Zq8v3LmT1xW9pR4sB7nK2cH6yD5fG0jA"})
    with TestClient(create_app(prod), base_url="https://testserver",
                    follow_redirects=False) as c:
        response = login(c, CASEWORKER)
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-console_session=")
        assert "Secure" in cookie and "HttpOnly" in cookie


def test_compose_runs_the_console_with_a_health_check_and_its_secret() -> None:
    import yaml

    from helpline.paths import ROOT

    svc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["console"]
    assert svc["command"] == ["python", "-m", "console"]
    assert svc["environment"]["HELPLINE_ENV"] == "production"
    assert svc["environment"]["CONSOLE_SECRET_KEY"].startswith("${CONSOLE_SECRET_KEY:?")
    assert "/health" in " ".join(svc["healthcheck"]["test"])
    assert svc["ports"] == ["127.0.0.1:8000:8000"]
    assert "COPY console/" in (ROOT / "docker" / "app.Dockerfile").read_text()
