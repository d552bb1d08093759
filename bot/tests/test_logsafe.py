"""No message text in the Rasa process's logs, at any level, through the paths Rasa itself logs.

Rasa 3.6 logs a REST timeout at ERROR as `{"text": "<the user's message>", ...}`; the filter
installed by importing `helpline_nlu` must keep that text (and any other copy of it) out of the
log file that `rasa run --log-file` writes.
"""

import asyncio
import json
import logging
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput

import helpline_nlu  # noqa: F401  (installs the filter, as loading the model does)
from helpline_nlu import logsafe

TEXT = "me quieren matar, estoy en México"


@pytest.fixture()
def rasa_log_file(tmp_path):
    """Logging configured the way `rasa run --log-file FILE` configures it."""
    import rasa.core.utils
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    root = logging.getLogger()
    saved = list(root.handlers), root.level
    configure_logging_and_warnings(logging.DEBUG)
    configure_structlog(logging.DEBUG)
    path = tmp_path / "rasa.log"
    root.setLevel(logging.DEBUG)
    rasa.core.utils.configure_file_logging(root, str(path), False)
    yield path
    for handler in root.handlers[:]:
        if handler not in saved[0]:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(saved[1])


def receive_handler(channel, on_new_message):
    blueprint = channel.blueprint(on_new_message)
    return next(route.handler for route in blueprint._future_routes
                if route.uri == "/webhook")


def test_rest_timeout_logs_no_message_text(rasa_log_file):
    async def times_out(message: UserMessage) -> None:
        raise asyncio.CancelledError()  # what Sanic does to a turn past --response-timeout

    request = SimpleNamespace(json={"sender": "p1", "message": TEXT}, args={})
    receive = receive_handler(RestInput(), times_out)
    asyncio.run(receive(request))
    logged = rasa_log_file.read_text(encoding="utf-8")
    assert "rest.message.received.timeout" in logged, "the timeout path was not taken"
    for form in (TEXT, json.dumps(TEXT)[1:-1], "quieren matar"):
        assert form not in logged
    assert logsafe.REDACTED in logged


def test_any_level_and_any_wording_of_a_user_message_is_scrubbed(rasa_log_file):
    UserMessage(TEXT, sender_id="p2")  # Rasa notes each message it receives
    logging.getLogger("rasa.core.processor").debug(f"Received user message '{TEXT}' with intent")
    logging.getLogger("rasa.core.actions.action").error("action failed: %s", {"body": TEXT})
    try:
        raise ValueError(f"could not handle {TEXT!r}")
    except ValueError:
        logging.getLogger("rasa.core.processor").exception("Encountered an exception")
    logged = rasa_log_file.read_text(encoding="utf-8")
    assert "Encountered an exception" in logged and "Traceback" in logged
    assert "quieren matar" not in logged
