"""`python -m console`: serve the console with uvicorn on CONSOLE_HOST:CONSOLE_PORT."""

from __future__ import annotations

import sys


def main() -> int:
    import uvicorn

    from console.db import migrate
    from console.settings import load_console_settings
    from helpline.settings import SettingsError

    try:
        settings = load_console_settings()
    except SettingsError as exc:
        print(f"console: {exc}", file=sys.stderr)
        return 2
    migrate(settings.console_database_url)
    from console.app import create_app

    uvicorn.run(create_app(settings), host=settings.console_host, port=settings.console_port,
                log_level="info", access_log=False, proxy_headers=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
