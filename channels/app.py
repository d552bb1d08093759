"""The gateway ASGI app: `uvicorn --factory channels.app:create_app` (127.0.0.1:8080).

Routes: `GET /health`, `GET /` (web chat page), `POST /webchat/message`,
`GET /webchat/replies`, `POST /webhooks/telegram`, `POST /webhooks/whatsapp`. Every error
is JSON. The lifespan opens one shared httpx client for Rasa, the gateway store, the outbox
retry loop and whichever channels are configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from channels import webchat
from channels.core import Gateway
from channels.http import error
from channels.pseudonym import SecretBox
from channels.store import GatewayStore, make_store_engine
from helpline.settings import GatewaySettings, get_gateway_settings

log = logging.getLogger(__name__)

#: These libraries log request URLs and headers at INFO (the Bot API token is part of its
#: URLs, the Rasa token a query parameter, Twilio logs recipients); keep them to warnings.
QUIET_LOGGERS = ("httpx", "httpcore", "twilio", "telegram.ext", "aiohttp.access")


async def health(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    rasa = await gateway.rasa_reachable()
    pending = await asyncio.to_thread(gateway.store.pending_count)
    state = request.app.state
    return JSONResponse({
        "status": "ok",
        "rasa": "reachable" if rasa else "unreachable",
        "queued_messages": pending,
        "channels": {
            "webchat": True,
            "telegram": getattr(state, "telegram", None) is not None,
            "whatsapp": getattr(state, "whatsapp", None) is not None,
        },
    })


async def telegram_webhook(request: Request) -> Response:
    channel = getattr(request.app.state, "telegram", None)
    if channel is None:
        return error(404, "channel_not_configured", "Telegram is not configured")
    response: Response = await channel.webhook(request)
    return response


async def whatsapp_webhook(request: Request) -> Response:
    channel = getattr(request.app.state, "whatsapp", None)
    if channel is None:
        return error(404, "channel_not_configured", "WhatsApp is not configured")
    response: Response = await channel.webhook(request)
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return error(500, "internal_error", "internal error")


def _start_channels(app: Starlette, settings: GatewaySettings, gateway: Gateway) -> list[Any]:
    """Create the configured channels; each has `start()`/`stop()` coroutines."""
    started: list[Any] = []
    app.state.telegram = None
    app.state.whatsapp = None
    if settings.telegram_bot_token:
        from channels.telegram import TelegramChannel

        app.state.telegram = TelegramChannel(settings, gateway)
        started.append(app.state.telegram)
    if settings.twilio_account_sid and settings.twilio_auth_token:
        from channels.whatsapp import WhatsAppChannel

        app.state.whatsapp = WhatsAppChannel(settings, gateway)
        started.append(app.state.whatsapp)
    return started


def create_app(settings: GatewaySettings | None = None) -> Starlette:
    """Build the gateway app (settings from the environment when not given)."""
    settings = settings or get_gateway_settings()
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        http = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50)
        )
        engine = make_store_engine(settings.gateway_database_url)
        store = GatewayStore(
            engine, SecretBox(settings.sender_id_secret), settings.retention_days * 86400.0
        )
        if engine.dialect.name == "sqlite":
            await asyncio.to_thread(store.release_all_claims)  # what a dead gateway held
        gateway = Gateway(settings, http, store)
        gateway.register_channel(webchat.CHANNEL, webchat.mailbox_sender(gateway))
        app.state.gateway = gateway
        channels = _start_channels(app, settings, gateway)
        for channel in channels:
            await channel.start()
        outbox = asyncio.create_task(gateway.run_outbox(), name="gateway-outbox")
        log.info("gateway ready (rasa at %s)", settings.rasa_url)
        try:
            yield
        finally:
            outbox.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await outbox
            await gateway.close()
            for channel in reversed(channels):
                try:
                    await channel.stop()
                except Exception:
                    log.exception("stopping a channel failed")
            await http.aclose()
            engine.dispose()

    routes = [
        Route("/health", health, methods=["GET"]),
        *webchat.routes,
        Route("/webhooks/telegram", telegram_webhook, methods=["POST"]),
        Route("/webhooks/whatsapp", whatsapp_webhook, methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
