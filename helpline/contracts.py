"""Names that cross process boundaries between the actions and the gateway.

Every answer of the actions carries one custom message `{"helpline": {...}}`: the reply
language (`language`), the person's country (`country`, so the gateway's outage answers give
that country's numbers), and `erase: true` once the person has confirmed "delete my data" (the
gateway then forgets the sender). The gateway strips it before anything reaches a channel.
"""

from __future__ import annotations

HELPLINE_PAYLOAD_KEY = "helpline"


def helpline_payload(language: str, country: str | None, erase: bool = False) -> dict[str, object]:
    """The custom message the actions append to every answer."""
    body: dict[str, object] = {"language": language}
    if country:
        body["country"] = country
    if erase:
        body["erase"] = True
    return {HELPLINE_PAYLOAD_KEY: body}
