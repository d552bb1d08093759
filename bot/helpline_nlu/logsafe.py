"""Keeps message text out of the Rasa process's logs, at every level.

`install()` (run when this package is imported, and first thing by `helpline_nlu.serve`)
wraps the log-record factory, so every record Rasa, Sanic or structlog creates is scrubbed
before any handler sees it: texts of recent user messages (every `UserMessage` is noted) and
the value of any `text`/`message`/`user_text`… key (Rasa logs a REST timeout as
`{"text": "…", "event": "rest.message.received.timeout"}`) become `[message text]`.
This is the same filter as `helpline/logsafe.py` in the main environment (tested alike).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from typing import Any

REDACTED = "[message text]"
#: Keys whose values are message text (Rasa's own anonymizable keys, Twilio's `Body`).
TEXT_KEYS = (
    "text", "body", "message", "user_text", "response_text", "parse_data_text",
    "user_message", "json_message", "tracker_latest_message", "caption", "utter",
)
_KEY = "|".join(TEXT_KEYS)
_QUOTED_VALUE = re.compile(
    rf"""(?P<key>(?P<q>["']?)\b(?i:{_KEY})\b(?P=q)\s*[:=]\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
)
_BARE_VALUE = re.compile(rf"""(?P<key>\b(?i:{_KEY})=)(?P<value>[^\s&,;)]+)""")
_USER_MESSAGE = re.compile(r"""(?P<key>(?i:user message|utterance)\s+)"""
                           r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
MIN_REMEMBERED_CHARS = 4
REMEMBERED = 256

_lock = threading.Lock()
_recent: OrderedDict[str, None] = OrderedDict()
_installed = False
_formatter = logging.Formatter()


def _forms(text: str) -> list[str]:
    forms = {text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1],
             repr(text)[1:-1]}
    return sorted((f for f in forms if len(f) >= MIN_REMEMBERED_CHARS), key=len, reverse=True)


def remember(text: object) -> None:
    """Note a message's text so any log line that quotes it is scrubbed (kept in memory only)."""
    if not isinstance(text, str) or len(text.strip()) < MIN_REMEMBERED_CHARS:
        return
    with _lock:
        for form in _forms(text):
            _recent[form] = None
            _recent.move_to_end(form)
        while len(_recent) > REMEMBERED:
            _recent.popitem(last=False)


def _quoted(match: re.Match[str]) -> str:
    quote = match["value"][0]
    return f"{match['key']}{quote}{REDACTED}{quote}"


def scrub(line: str) -> str:
    """`line` without remembered message texts and without values of text-bearing keys."""
    with _lock:
        texts = [t for t in reversed(_recent) if t in line]
    for text in sorted(texts, key=len, reverse=True):
        line = line.replace(text, REDACTED)
    line = _QUOTED_VALUE.sub(_quoted, line)
    line = _USER_MESSAGE.sub(_quoted, line)
    return _BARE_VALUE.sub(lambda m: f"{m['key']}{REDACTED}", line)


def install() -> None:
    """Scrub every log record this process creates from now on (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's problem, not ours
            return record
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(_formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)


def remember_user_messages() -> None:
    """Note the text of every `UserMessage` Rasa creates, so logs quoting it are scrubbed."""
    from rasa.core.channels.channel import UserMessage

    if getattr(UserMessage.__init__, "_helpline_remembers", False):
        return
    original = UserMessage.__init__

    def __init__(self: Any, text: Any = None, *args: Any, **kwargs: Any) -> None:
        remember(text)
        original(self, text, *args, **kwargs)

    __init__._helpline_remembers = True  # type: ignore[attr-defined]
    UserMessage.__init__ = __init__
