"""Action server responses are still checked against Rasa's schema after `install()`."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import helpline_nlu  # noqa: F401  (importing the package installs the validator)
from helpline_nlu.action_validation import validate_action_result


def test_installed_on_remote_action() -> None:
    assert RemoteAction._validate_action_result is validate_action_result


@pytest.mark.parametrize(
    "response",
    [
        {"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "country", "value": "MX"}],
         "responses": [{"text": "hola", "buttons": [{"title": "Sí", "payload": "/affirm"}]}]},
        {},
    ],
)
def test_valid_responses_pass(response: dict) -> None:
    assert RemoteAction("action_x", None)._validate_action_result(response) is True


@pytest.mark.parametrize(
    "response",
    [
        {"events": {"event": "slot"}},
        {"events": [{"event": "no_such_event"}]},
        {"events": [{"name": "country"}]},
        {"responses": "hola"},
    ],
)
def test_invalid_responses_rejected_as_rasa_does(response: dict) -> None:
    with pytest.raises(ValidationError) as caught:
        RemoteAction("action_x", None)._validate_action_result(response)
    assert "Failed to validate Action server response" in caught.value.message
