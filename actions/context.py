"""What one action run knows: language, profile, the user's text and metadata, and `_`.

The reply language is decided by `helpline.language.reply`, the same policy the gateway uses:
an explicit choice, else a confident detection of the message, else the saved slot, the
channel's locale hint only breaking ties on short or ambiguous messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from helpline.i18n import gettext_for, normalise_language
from helpline.language import reply_language

SITUATIONS = {
    "pregnant", "minor", "unaccompanied_minor", "trafficking_victim", "violence_victim",
    "detained", "returnee", "disability",
}
STATUSES = {"regular", "irregular", "asylum_seeker", "refugee", "unknown"}
#: The situation a kind of danger the conversation showed implies for the entitlement rules.
VICTIM_OF = {"trafficking": "trafficking_victim", "violence": "violence_victim"}
#: Whom a question can be about besides the person writing: the `subject` values the NLU gives
#: (bot/helpline_nlu/data/subject.yaml). `SELF` means the person writing.
RELATIONS = {
    "brother", "sister", "husband", "wife", "partner", "boyfriend", "girlfriend", "son",
    "daughter", "child", "children", "mother", "father", "parents", "cousin", "uncle", "aunt",
    "nephew", "niece", "friend", "grandmother", "grandfather", "relative",
}
SELF = "self"


def _entity_values(message: dict[str, Any], name: str) -> list[str]:
    return [str(e["value"]) for e in message.get("entities") or [] if e.get("entity") == name]


def chosen_language(tracker: Tracker) -> str | None:
    """A language the person chose explicitly: in this message, or in their latest earlier
    choice (`/language`, a language button, "in English please")."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") == "choose_language" or any(
                e.get("entity") == "language" for e in parse.get("entities") or []):
            for value in _entity_values(parse, "language"):
                if code := normalise_language(value):
                    return code
    for value in _entity_values(tracker.latest_message or {}, "language"):
        if code := normalise_language(value):
            return code
    return None


def resolve_language(tracker: Tracker) -> tuple[str, bool]:
    """The reply language (`helpline.language.reply`) and whether the `language` slot must
    be updated to it."""
    message = tracker.latest_message or {}
    metadata = message.get("metadata") or {}
    saved = normalise_language(tracker.get_slot("language"))
    lang = reply_language(message.get("text") or "", chosen=chosen_language(tracker),
                          saved=saved, hint=metadata.get("language_hint"))
    return lang, lang != saved


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
        ctx.settle_location()
        return ctx

    def settle_location(self) -> None:
        """Fit the `location` slot to the conversation's country.

        The NLU gives a shared city name ("Valencia", "Santiago") as {city, candidates}; once
        the country is known (from this message or an earlier one) the candidate in it becomes
        the location. A city the NLU placed in another country than the one the person is now
        in ("estaba en Houston... ahora estoy en México") no longer says where they are.
        A location shared from the phone ({lat, lon} only) is kept as it is."""
        location = self.slot("location")
        if not isinstance(location, dict):
            return
        country = self.country
        if "candidates" in location:
            picked = next((c for c in location.get("candidates") or []
                           if isinstance(c, dict) and country
                           and str(c.get("country") or "").upper() == country), None)
            if picked is not None:
                self.set("location", dict(picked))
            return
        placed_in = location.get("country")
        if placed_in and country and str(placed_in).upper() != country:
            self.set("location", None)

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
    def subject(self) -> str | None:
        """Whom the question is about when it is not the person writing: the relation the NLU
        found ("brother", "wife", "son"...), or None. While it is set, `country` is where that
        person is and `nationality` theirs, so an answer can say it is about them ("your
        brother") and speak of them in the third person."""
        value = self.slot("subject")
        return str(value) if value in RELATIONS else None

    @property
    def city(self) -> str | None:
        """The city the NLU recognised where the person (or the subject) is, when settled."""
        location = self.slot("location")
        if isinstance(location, dict) and "candidates" not in location and location.get("city"):
            return str(location["city"])
        return None

    @property
    def migration_status(self) -> str:
        value = self.slot("migration_status")
        return value if value in STATUSES else "unknown"

    @property
    def situation(self) -> list[str]:
        """Situations mentioned, plus the one a danger the conversation showed implies."""
        seen = situations_of(self.tracker)
        implied = VICTIM_OF.get(str(self.slot("danger")))
        return [*seen, implied] if implied and implied not in seen else seen
