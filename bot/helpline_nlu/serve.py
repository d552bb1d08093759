"""Start the Rasa server the helpline's way: `python -m helpline_nlu.serve [rasa run options]`.

Before Rasa loads anything it checks the settings it depends on, and in production
(`HELPLINE_ENV=production`) refuses to start when `RASA_TOKEN` (the HTTP API token; without it
anyone who reaches the port can `PUT /model`, the precondition of CVE-2024-49375) or
`ACTION_SERVER_TOKEN` (sent to the action server) is missing, empty or a placeholder. The
message names the variable, never its value. Then it installs the log filter and runs
`rasa run` with `--auth-token` taken from `RASA_TOKEN`, so the token is not on the command line,
and on `RASA_HOST` (default 127.0.0.1; Rasa's own default is 0.0.0.0) unless `--interface` is
given (compose gives 0.0.0.0 inside its internal network).
"""

import os
import sys
from typing import List, Mapping, Optional

#: Same rules as `helpline/settings.py` (`secret_weakness`), which the main environment uses.
PLACEHOLDER_MARKS = (
    "changeme", "change-me", "change_me", "change me", "placeholder", "replace", "your-",
    "your_", "example", "secret", "password", "dev-only", "not-a-secret", "todo", "xxxx",
)
MIN_DISTINCT_CHARS = 5
MIN_TOKEN_LENGTH = 16


def secret_weakness(value: Optional[str], min_length: int = MIN_TOKEN_LENGTH) -> Optional[str]:
    """Why `value` is not usable as a production secret, or None when it is."""
    if value is None or not value.strip():
        return "is missing or empty"
    lowered = value.strip().lower()
    if any(mark in lowered for mark in PLACEHOLDER_MARKS):
        return "is a placeholder"
    if len(set(lowered)) < MIN_DISTINCT_CHARS:
        return "repeats too few characters to be random"
    if len(value) < min_length:
        return f"is shorter than {min_length} characters"
    return None


def _option(argv: List[str], name: str) -> Optional[str]:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def problems(env: Mapping[str, str], argv: List[str]) -> List[str]:
    """Each bad setting for a production Rasa server, by variable name."""
    if env.get("HELPLINE_ENV", "development") != "production":
        return []
    found = []
    token = _option(argv, "--auth-token") or env.get("RASA_TOKEN")
    for name, value in (("RASA_TOKEN", token),
                        ("ACTION_SERVER_TOKEN", env.get("ACTION_SERVER_TOKEN"))):
        reason = secret_weakness(value)
        if reason:
            found.append(f"{name} {reason}")
    return found


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    found = problems(os.environ, args)
    if found:
        print("error: refusing to start in production: " + "; ".join(found), file=sys.stderr)
        return 2
    from helpline_nlu import logsafe  # imports Rasa (the package installs its hooks)

    logsafe.install()
    logsafe.remember_user_messages()
    token = os.environ.get("RASA_TOKEN")
    if token and _option(args, "--auth-token") is None:
        args += ["--auth-token", token]
    if _option(args, "--interface") is None and _option(args, "-i") is None:
        args += ["--interface", os.environ.get("RASA_HOST") or "127.0.0.1"]
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "run", *args]
    rasa_main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
