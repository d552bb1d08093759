"""Rasa replies as WhatsApp messages: buttons become numbered options ("1. …") whose payloads
are remembered so a reply of "2" goes back to Rasa as the second payload; text is split at
1600 characters, the most Twilio accepts in one WhatsApp message body."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from channels.textsplit import split_text

MESSAGE_LIMIT = 1600


@dataclass
class Rendered:
    """Message bodies and media to send, and the payloads of the numbered options (if any)."""

    bodies: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


def render(replies: list[dict[str, Any]], choose_hint: str) -> Rendered:
    """`choose_hint` is the translated "Reply with the number of your choice." line."""
    out = Rendered()
    for reply in replies:
        text = reply.get("text")
        if not text and isinstance(reply.get("custom"), dict):
            text = reply["custom"].get("text")
        lines = [str(text)] if text else []
        buttons = reply.get("buttons") or []
        if buttons:
            out.options = []
            numbered = []
            for number, button in enumerate(buttons, start=1):
                out.options.append(str(button.get("payload", button.get("title", ""))))
                numbered.append(f"{number}. {button.get('title', '')}")
            lines.append("\n".join(numbered))
            lines.append(choose_hint)
        if lines:
            out.bodies.extend(split_text("\n\n".join(lines), MESSAGE_LIMIT))
        if reply.get("image"):
            out.media.append(str(reply["image"]))
    return out


def option_payload(text: str, options: list[str]) -> str | None:
    """The payload a bare number picks from the last numbered options, else None."""
    choice = text.strip().rstrip(".)")
    if choice.isdigit() and options:
        index = int(choice) - 1
        if 0 <= index < len(options):
            return options[index]
    return None
