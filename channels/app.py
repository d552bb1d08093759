"""The gateway ASGI app: `uvicorn --factory channels.app:create_app` (127.0.0.1:8080).

Routes: `GET /health`, `GET /` (web chat page), `POST /webchat/message`,
`GET /webchat/replies`, `POST /webhooks/telegram`, `POST /webhooks/whatsapp`, and the
console's internal API under `/internal/` (service token, `channels.internal`). Every error
is JSON. The lifespan opens one shared httpx client for Rasa, the gateway store, the outbox
retry loop and whichever channels are configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from channels import internal, webchat
from channels.base import Channel
from channels.core import Gateway
from channels.http import error
from channels.pseudonym import SecretBox
from channels.store import GatewayStore, make_store_engine
from channels.telegram import TelegramChannel
from channels.whatsapp import WhatsAppChannel
from helpline.settings import GatewaySettings, get_gateway_settings

log = logging.getLogger(__name__)

#: Every messaging channel the gateway can serve (each implements `channels.base.Channel`).
CHANNELS: tuple[type[Channel], ...] = (TelegramChannel, WhatsAppChannel)

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
        "channels": {"webchat": True,
                     **{kind.name: kind.name in state.channels for kind in CHANNELS}},
    })


def _webhook(channel_type: type[Channel]) -> Callable[[Request], Awaitable[Response]]:
    """The route of one channel's webhook: 404 while the channel is not configured."""

    async def endpoint(request: Request) -> Response:
        channel: Channel | None = request.app.state.channels.get(channel_type.name)
        if channel is None:
            return error(404, "channel_not_configured", f"{channel_type.title} is not configured")
        return await channel.webhook(request)

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return error(500, "internal_error", "internal error")


def _configured_channels(settings: GatewaySettings, gateway: Gateway) -> dict[str, Channel]:
    """An instance of every channel the settings configure, by name."""
    return {kind.name: kind(settings, gateway) for kind in CHANNELS if kind.configured(settings)}


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
        await gateway.limiter.open()
        gateway.register_channel(webchat.CHANNEL, webchat.mailbox_sender(gateway))
        app.state.gateway = gateway
        app.state.channels = _configured_channels(settings, gateway)
        channels = list(app.state.channels.values())
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
            await gateway.limiter.close()
            engine.dispose()

    routes = [
        Route("/health", health, methods=["GET"]),
        *webchat.routes,
        *(Route(kind.webhook_path, _webhook(kind), methods=["POST"]) for kind in CHANNELS),
        *internal.routes,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.channel_kinds = CHANNELS
    return app
