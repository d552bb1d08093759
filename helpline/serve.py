"""Start the action server or the gateway the helpline's way: `python -m helpline.serve NAME`.

Both check their settings first and exit with status 2 and a message that names each bad
variable (never its value) when one is wrong or, in production, missing or a placeholder. Both
keep message text out of their logs (`helpline.logsafe`) and bind `ACTIONS_HOST` /
`GATEWAY_HOST`, loopback unless told otherwise.

The action server is rasa-sdk's app with three changes: requests other than `GET /health` need
`Authorization: Bearer $ACTION_SERVER_TOKEN` when a token is set (required in production), else
401; an action that fails answers `{"error": "internal error"}` instead of rasa-sdk's echo of the
request (which held the user's messages) and the exception text (which once held a secret);
the hand-off queue is purged of requests past the retention period at start and every
`HANDOFF_PURGE_SECONDS`; and the hotline snapshot the gateway reads (`helpline.safety.hotlines`)
is written at start and every `HOTLINE_SNAPSHOT_SECONDS`.

Each process reads only its own settings (`ActionSettings`, `GatewaySettings`).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from helpline import logsafe
from helpline.settings import (
    ActionSettings,
    GatewaySettings,
    SettingsError,
    get_action_settings,
    get_gateway_settings,
)

log = logging.getLogger("helpline.serve")
AnySettings = TypeVar("AnySettings")
ACTIONS_PACKAGE = "actions"


def _settings_or_exit(read: Callable[[], AnySettings]) -> AnySettings:
    """This process's settings, or exit 2 with a message naming each bad variable."""
    try:
        return read()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def _authorised(header: str | None, token: str) -> bool:
    expected = f"Bearer {token}".encode()
    return hmac.compare_digest((header or "").encode(), expected)


async def _purge_handoffs(settings: ActionSettings) -> None:
    from actions import kb
    from helpline import handoff

    while True:
        try:
            removed = await asyncio.to_thread(handoff.purge_expired, kb.engine(),
                                              settings.retention_days)
            if removed:
                log.info("hand-off purge removed %d requests past retention", removed)
        except Exception:
            log.exception("hand-off purge failed; will retry")
        await asyncio.sleep(settings.handoff_purge_seconds)


def _write_hotline_snapshot(settings: ActionSettings) -> int:
    from actions import kb
    from helpline.safety.hotlines import refresh_snapshot

    with kb.session() as session:
        return refresh_snapshot(session, settings.hotline_snapshot_path)


async def _keep_hotline_snapshot(settings: ActionSettings) -> None:
    while True:
        try:
            count = await asyncio.to_thread(_write_hotline_snapshot, settings)
            log.info("hotline snapshot written (%d countries)", count)
        except Exception:
            log.exception("writing the hotline snapshot failed; will retry")
        await asyncio.sleep(settings.hotline_snapshot_seconds)


def actions_app() -> Any:
    """rasa-sdk's Sanic app with the token check, a safe error reply and the hand-off purge."""
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor
    from sanic import response

    settings = _settings_or_exit(get_action_settings)

    class Executor(ActionExecutor):
        async def run(self, action_call: dict[str, Any]) -> Any:
            tracker = action_call.get("tracker") or {}
            logsafe.remember((tracker.get("latest_message") or {}).get("text"))
            return await super().run(action_call)

    executor = Executor()
    executor.register_package(ACTIONS_PACKAGE)
    app = create_app(executor, cors_origins=None)
    token = settings.action_server_token

    @app.on_request
    async def authenticate(request: Any) -> Any:
        if token and request.path != "/health" and not _authorised(
                request.headers.get("authorization"), token):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    async def internal_error(request: Any, exception: Exception) -> Any:
        log.error("action server error on %s", request.path, exc_info=exception)
        return response.json({"error": "internal error"}, status=500)

    # Replaces rasa-sdk's handler, which echoes the request body and the exception text.
    app.error_handler.cached_handlers[(Exception, None)] = internal_error

    @app.after_server_start
    async def start_purging(app: Any) -> None:
        app.add_task(_purge_handoffs(settings), name="handoff-purge")
        app.add_task(_keep_hotline_snapshot(settings), name="hotline-snapshot")

    return app


def run_actions() -> None:
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from sanic import Sanic

    settings = _settings_or_exit(get_action_settings)
    utils.configure_colored_logging("INFO")
    logging.getLogger(APPLICATION_ROOT_LOGGER_NAME).setLevel(logging.INFO)
    log.setLevel(logging.INFO)
    utils.update_sanic_log_level()
    # Load and check the rule files now: the first person's answer does not pay for it, and a
    # broken rule file stops the server at start instead of failing every answer.
    from knowledge.rules import RuleError, shipped_rules

    try:
        shipped_rules()
    except RuleError as exc:
        log.error("rule files do not load: %s", exc)
        raise SystemExit(2) from None
    app = actions_app()
    app.prepare(host=settings.actions_host, port=settings.actions_port, single_process=True,
                motd=False, access_log=False)
    log.info("action server on %s:%d", settings.actions_host, settings.actions_port)
    Sanic.serve_single(app)


def run_gateway() -> None:
    import uvicorn

    settings: GatewaySettings = _settings_or_exit(get_gateway_settings)
    uvicorn.run("channels.app:create_app", factory=True, host=settings.gateway_host,
                port=settings.gateway_port, access_log=False)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    runners: dict[str, tuple[Callable[[], None], Callable[[], object]]] = {
        "actions": (run_actions, get_action_settings),
        "gateway": (run_gateway, get_gateway_settings),
    }
    if len(args) != 1 or args[0] not in runners:
        print(f"usage: python -m helpline.serve {{{','.join(runners)}}}", file=sys.stderr)
        return 2
    logsafe.install()
    run, read_settings = runners[args[0]]
    _settings_or_exit(read_settings)
    run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
