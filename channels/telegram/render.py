"""Rasa replies as Telegram messages: text split at 4096 (UTF-16 code units, as Telegram counts
them), buttons as an inline keyboard whose callback data carries the payload (or a short key
for payloads > 64 bytes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from channels.textsplit import split_text, utf16_len

MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
PAYLOAD_KEY_PREFIX = "p:"
LANGUAGE_PREFIX = "lang:"


@dataclass
class OutgoingMessage:
    """One Bot API call to make: a text (with an optional keyboard) or a photo."""

    text: str | None = None
    photo: str | None = None
    keyboard: InlineKeyboardMarkup | None = None


def callback_data(payload: str, shorten: Callable[[str], str]) -> str:
    """The payload itself when it fits Telegram's 64 bytes, else a stored key."""
    if len(payload.encode()) <= CALLBACK_DATA_LIMIT and not payload.startswith(
        (PAYLOAD_KEY_PREFIX, LANGUAGE_PREFIX)
    ):
        return payload
    return PAYLOAD_KEY_PREFIX + shorten(payload)


def keyboard(buttons: list[dict[str, Any]], shorten: Callable[[str], str]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(str(b.get("title", "")), callback_data=callback_data(
            str(b.get("payload", b.get("title", ""))), shorten))]
        for b in buttons
    ]
    return InlineKeyboardMarkup(rows)


def render(replies: list[dict[str, Any]], shorten: Callable[[str], str]) -> list[OutgoingMessage]:
    """Bot API messages for a list of Rasa replies, in order."""
    out: list[OutgoingMessage] = []
    for reply in replies:
        text = reply.get("text")
        if not text and isinstance(reply.get("custom"), dict):
            text = reply["custom"].get("text")
        buttons = reply.get("buttons") or []
        if text:
            parts = split_text(str(text), MESSAGE_LIMIT, utf16_len)
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                out.append(OutgoingMessage(
                    text=part, keyboard=keyboard(buttons, shorten) if last and buttons else None))
        elif buttons:
            out.append(OutgoingMessage(text="…", keyboard=keyboard(buttons, shorten)))
        if reply.get("image"):
            out.append(OutgoingMessage(photo=str(reply["image"])))
    return out
