"""Checks action server responses with a JSON Schema validator built once, not once per turn.

Rasa 3.6's `RemoteAction._validate_action_result` calls `jsonschema.validate`, which checks the
schema against its meta-schema and builds a new validator on every call: about 20 ms of every
custom-action turn here, several times what the action itself costs. `install()` swaps in a
method with the same schema, the same accepted responses and the same `ValidationError`
message; it is installed when this package is imported, which Rasa does when it loads the model.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
    """Raises `ValidationError` unless `result` is a valid action server response."""
    try:
        _validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def install() -> None:
    """Makes every `RemoteAction` use the validator built once (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result
