"""The console's ASGI app: `create_app(settings)` builds it; nothing is read at import time.

Routes: `/health`; `/login`, `/logout`, `/language`; the entitlement checker (`/checker`,
`/checker/print`) and the hand-off inbox (`/inbox/...`) for caseworkers and admins; the listings
admin (`/admin/...`) for admins. The lifespan opens the gateway client and runs the inbox's
waiting-notice task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from console import accounts
from console.i18n import UI_LANGUAGES, Catalogues
from console.security import CookieJar
from console.settings import ConsoleSettings, load_console_settings
from console.web import ConsoleState, Ctx, make_templates, route

log = logging.getLogger("console")
STATIC_DIR = Path(__file__).resolve().parent / "static"


def safe_next(target: str | None) -> str:
    """Only a path on this site (never `//host` or a scheme) is a place to go after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/checker"


@route(None)
async def login_page(ctx: Ctx) -> Response:
    if ctx.account is not None:
        return ctx.redirect("/checker")
    return ctx.render("login.html", next=safe_next(ctx.request.query_params.get("next")))


@route(None)
async def login(ctx: Ctx) -> Response:
    form = await ctx.form()
    _ = ctx._
    email = str(form.get("email") or "")[:254]
    password = str(form.get("password") or "")[:1024]
    target = safe_next(str(form.get("next") or ""))
    state = ctx.state
    client = ctx.request.client.host if ctx.request.client else "?"
    wait = state.throttle.retry_after(email, client)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        return ctx.render("login.html", status=429, next=target, email=email,
                          error=_("Too many failed attempts. Try again in {minutes} minutes.")
                          .format(minutes=minutes))
    account = await run_in_threadpool(accounts.authenticate, state.engine, email, password)
    if account is None:
        state.throttle.failed(email, client)
        log.info("console login refused")
        return ctx.render("login.html", status=401, next=target, email=email,
                          error=_("Wrong e-mail or password, or the account is disabled."))
    state.throttle.succeeded(email)
    session_id = await run_in_threadpool(accounts.start_session, state.engine, account)
    log.info("console login: user %s (%s)", account.id, account.role)
    response = ctx.redirect(target)
    state.cookies.set_session(response, session_id, int(state.max_age.total_seconds()))
    return response


@route("caseworker")
async def logout(ctx: Ctx) -> Response:
    await ctx.form()
    if ctx.session_id:
        await run_in_threadpool(accounts.end_session, ctx.state.engine, ctx.session_id)
    response = ctx.redirect("/login")
    ctx.state.cookies.clear_session(response)
    return response


@route(None)
async def choose_language(ctx: Ctx) -> Response:
    form = await ctx.form()
    lang = str(form.get("lang") or "")
    back = safe_next(str(form.get("next") or ""))
    if lang not in UI_LANGUAGES:
        return ctx.redirect(back)
    if ctx.account is not None:
        await run_in_threadpool(accounts.set_language, ctx.state.engine, ctx.account.id, lang)
    response = ctx.redirect(back)
    ctx.state.cookies.set_language(response, lang)
    return response


@route("caseworker")
async def home(ctx: Ctx) -> Response:
    return ctx.redirect("/checker")


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def routes() -> list[BaseRoute]:
    from console import admin, checker, inbox

    return [
        Route("/health", health),
        Route("/", home),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/language", choose_language, methods=["POST"]),
        *checker.routes(),
        *inbox.routes(),
        *admin.routes(),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]


def create_app(settings: ConsoleSettings | None = None) -> Starlette:
    """Build the console (settings from the environment when not given)."""
    settings = settings or load_console_settings()
    from console.db import console_engine
    from console.gateway import GatewayClient
    from knowledge.db import make_engine

    state = ConsoleState(
        settings=settings, engine=console_engine(settings.console_database_url),
        kb_engine=make_engine(settings.database_url), catalogues=Catalogues(),
        cookies=CookieJar(settings.console_secret_key, secure=settings.production),
        throttle=accounts.LoginThrottle(settings.console_login_max_failures,
                                        settings.console_login_lockout_minutes * 60.0),
        templates=make_templates(),
        gateway=GatewayClient(settings.gateway_url, settings.gateway_service_token),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from console.inbox import remind_forever

        await run_in_threadpool(accounts.purge_expired, state.engine, state.idle, state.max_age)
        assert state.gateway is not None
        await state.gateway.open()
        reminders = asyncio.create_task(remind_forever(state), name="console-reminders")
        log.info("console ready")
        try:
            yield
        finally:
            reminders.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reminders
            await state.gateway.aclose()
            state.engine.dispose()
            state.kb_engine.dispose()

    app = Starlette(routes=routes(), lifespan=lifespan)
    app.state.console = state
    return app
