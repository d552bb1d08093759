"""What one action run knows: language, profile, the user's text and metadata, and `_`.

Language precedence (design, issue 4): an explicit choice in this message, then the saved
slot, then a channel hint in the metadata, then offline detection above a confidence threshold,
then the default language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from helpline.i18n import DEFAULT_LANGUAGE, gettext_for, normalise_language

SITUATIONS = {
    "pregnant", "minor", "unaccompanied_minor", "trafficking_victim", "violence_victim",
    "detained", "returnee", "disability",
}
STATUSES = {"regular", "irregular", "asylum_seeker", "refugee", "unknown"}


def _entity_values(message: dict[str, Any], name: str) -> list[str]:
    return [str(e["value"]) for e in message.get("entities") or [] if e.get("entity") == name]


def resolve_language(tracker: Tracker) -> tuple[str, bool]:
    """The reply language and whether it should be saved in the `language` slot."""
    message = tracker.latest_message or {}
    for value in _entity_values(message, "language"):
        if code := normalise_language(value):
            return code, True
    if code := normalise_language(tracker.get_slot("language")):
        return code, False
    metadata = message.get("metadata") or {}
    if code := normalise_language(metadata.get("language_hint")):
        return code, True
    text = message.get("text") or ""
    if text and not text.startswith("/"):
        from helpline.language import CONFIDENCE_THRESHOLD, detect

        code, confidence = detect(text)
        if normalise_language(code) and confidence >= CONFIDENCE_THRESHOLD:
            return code, True
    return DEFAULT_LANGUAGE, False


def situations_of(tracker: Tracker) -> list[str]:
    """Every situation the user has mentioned in this conversation (slot values accumulate)."""
    seen: list[str] = []
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") == "situation":
            for value in event.get("value") or []:
                if value in SITUATIONS and value not in seen:
                    seen.append(value)
    for value in tracker.get_slot("situation") or []:
        if value in SITUATIONS and value not in seen:
            seen.append(value)
    return seen


@dataclass
class Context:
    """Everything an answer needs, built once per action run."""

    tracker: Tracker
    lang: str
    save_language: bool
    _: Callable[[str], str]
    events: list[EventType] = field(default_factory=list)

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> Context:
        lang, save = resolve_language(tracker)
        ctx = cls(tracker=tracker, lang=lang, save_language=save, _=gettext_for(lang))
        if save and tracker.get_slot("language") != lang:
            ctx.events.append(SlotSet("language", lang))
        return ctx

    @property
    def text(self) -> str:
        return str((self.tracker.latest_message or {}).get("text") or "")

    @property
    def intent(self) -> str:
        return str(((self.tracker.latest_message or {}).get("intent") or {}).get("name") or "")

    @property
    def metadata(self) -> dict[str, Any]:
        return dict((self.tracker.latest_message or {}).get("metadata") or {})

    def slot(self, name: str) -> Any:
        for event in reversed(self.events):
            if event.get("event") == "slot" and event.get("name") == name:
                return event.get("value")
        return self.tracker.get_slot(name)

    def set(self, name: str, value: Any) -> None:
        """Set a slot; no event when it already holds that value (keeps trackers short)."""
        if self.slot(name) != value:
            self.events.append(SlotSet(name, value))

    @property
    def country(self) -> str | None:
        value = self.slot("country")
        return str(value).upper() if value else None

    @property
    def nationality(self) -> str | None:
        value = self.slot("nationality")
        return str(value).upper() if value else None

    @property
    def migration_status(self) -> str:
        value = self.slot("migration_status")
        return value if value in STATUSES else "unknown"

    @property
    def situation(self) -> list[str]:
        return situations_of(self.tracker)
