"""What every console route shares: the app's state, who is signed in, roles, CSRF, rendering.

`route(role)` wraps an endpoint: it resolves the session cookie, refuses a visitor who is not
signed in (redirect to the login page) or lacks the role (403), and hands the endpoint a `Ctx`
with the account, the language, `_` and the CSRF token. `await ctx.form()` reads a POST body and
refuses it (403) unless it carries the session's CSRF token: every form goes through it.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from console import accounts
from console.accounts import Account
from console.gateway import GatewayClient
from console.i18n import LANGUAGE_NAMES, UI_LANGUAGES, Catalogues, pick_language
from console.security import CSRF_FIELD, CSRF_HEADER, HEADERS, CookieJar, same_token
from console.settings import ConsoleSettings

ROLE_RANK = {"caseworker": 1, "admin": 2}
TEMPLATES_DIR = __import__("pathlib").Path(__file__).resolve().parent / "templates"


@dataclass
class ConsoleState:
    settings: ConsoleSettings
    engine: Engine  # console accounts and sessions
    kb_engine: Engine  # the knowledge base
    catalogues: Catalogues
    cookies: CookieJar
    throttle: accounts.LoginThrottle
    templates: Environment
    #: The gateway's internal API (the inbox's transcripts and replies).
    gateway: GatewayClient | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def idle(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.settings.console_session_idle_minutes)

    @property
    def max_age(self) -> dt.timedelta:
        return dt.timedelta(hours=self.settings.console_session_max_hours)


@functools.lru_cache(maxsize=64)
def _escaped(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple((value, html.escape(value, quote=True), html.escape(label, quote=False))
                 for value, label in pairs)


def options(pairs: Iterable[tuple[str, str]], selected: object = None) -> Markup:
    """`<option>`s for (value, label) pairs, escaped, built in one pass (a country list is
    250 options: a template loop over it costs more than the rest of a page)."""
    chosen = str(selected) if selected is not None else None
    return Markup("".join(
        f'<option value="{value_html}"{" selected" if value == chosen else ""}>{label_html}'
        "</option>" for value, value_html, label_html in _escaped(tuple(pairs))))


def make_templates() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.policies["ext.i18n.trimmed"] = True
    env.globals["options"] = options
    return env


class CsrfRefused(HTTPException):
    def __init__(self) -> None:
        super().__init__(403, "CSRF token missing or wrong")


@dataclass
class Ctx:
    request: Request
    state: ConsoleState
    account: Account | None
    csrf_token: str
    lang: str
    session_id: str | None = None
    new_login_csrf: bool = False

    @property
    def _(self) -> Callable[[str], str]:
        return self.state.catalogues.gettext(self.lang)

    async def form(self, max_bytes: int = 64 * 1024) -> FormData:
        """The POST form, refused (403) without this session's CSRF token."""
        length = self.request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            raise HTTPException(413, "request too large")
        form = await self.request.form(max_files=1, max_fields=200,
                                       max_part_size=max_bytes)
        given = form.get(CSRF_FIELD) or self.request.headers.get(CSRF_HEADER)
        if not same_token(self.csrf_token, given):
            raise CsrfRefused()
        return form

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        _ = self._
        page = self.state.templates.get_template(template).render(
            _=_, gettext=_, lang=self.lang, account=self.account, csrf_token=self.csrf_token,
            csrf_field=CSRF_FIELD, ui_languages=[(c, LANGUAGE_NAMES[c]) for c in UI_LANGUAGES],
            path=self.request.url.path, **values)
        response = HTMLResponse(page, status_code=status, headers=HEADERS)
        self.finish(response)
        return response

    def redirect(self, url: str) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303, headers=HEADERS)
        self.finish(response)
        return response

    def finish(self, response: Response) -> None:
        if self.new_login_csrf:
            self.state.cookies.set_login_csrf(response, self.csrf_token)


def state_of(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


async def context(request: Request) -> Ctx:
    """Who is asking: the signed-in account (if the session cookie is genuine and live)."""
    state = state_of(request)
    cookies = state.cookies
    session_id = cookies.session_id(request.cookies.get(cookies.session_name))
    signed = None
    if session_id:
        signed = await run_in_threadpool(accounts.resume_session, state.engine, session_id,
                                         state.idle, state.max_age)
    chosen = request.cookies.get(cookies.lang_name)
    if signed is not None:
        lang = pick_language([signed.account.language, chosen,
                              request.headers.get("accept-language")])
        return Ctx(request, state, signed.account, signed.csrf_token, lang, session_id)
    lang = pick_language([chosen, request.headers.get("accept-language")])
    token = cookies.login_csrf(request.cookies.get(cookies.csrf_name))
    ctx = Ctx(request, state, None, token or "", lang)
    if token is None:
        # A fresh token is set on this response; the form on it carries the same one.
        import secrets

        ctx.csrf_token = secrets.token_urlsafe(32)
        ctx.new_login_csrf = True
    return ctx


Endpoint = Callable[[Ctx], Awaitable[Response]]


def route(role: str | None) -> Callable[[Endpoint], Callable[[Request], Awaitable[Response]]]:
    """Wrap an endpoint that needs `role` ("caseworker": anyone signed in; "admin"; None:
    open). The check is on the server for every request, whatever links a page shows."""

    def wrap(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(endpoint)
        async def handler(request: Request) -> Response:
            ctx = await context(request)
            if role is not None:
                if ctx.account is None:
                    if request.method == "GET":
                        return ctx.redirect("/login?next=" + quote(request.url.path, safe="/"))
                    return ctx.render("error.html", status=403,
                                      message=ctx._("Your session has ended. Please sign in "
                                                    "again."))
                if ROLE_RANK.get(ctx.account.role, 0) < ROLE_RANK[role]:
                    return ctx.render("error.html", status=403,
                                      message=ctx._("This page is for administrators."))
            try:
                return await endpoint(ctx)
            except CsrfRefused:
                return ctx.render("error.html", status=403,
                                  message=ctx._("This form has expired or did not come from "
                                                "the console. Reload the page and try again."))
        return handler

    return wrap
