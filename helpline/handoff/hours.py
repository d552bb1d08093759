"""The team's opening hours (`HANDOFF_OPENING_HOURS`, `HANDOFF_TIMEZONE`): when a person reads
the hand-off inbox, whether that is now, and when it is next.

The format is one clause per group of days, separated by `;`:
`mon-fri 09:00-18:00; sat 10:00-14:00`. Days are English three-letter names (or full names),
single (`sat`), ranges (`mon-fri`, `fri-mon` wraps over the week-end) or comma lists
(`mon,wed,fri`); `daily` means every day. Times are `HH:MM-HH:MM`, 24-hour, the end excluded;
`24:00` closes at midnight, and a day may have several ranges (`mon-fri 09:00-13:00,15:00-18:00`).
Hours past midnight belong to the next day (`fri 20:00-24:00; sat 00:00-02:00`). The hours
are wall-clock time in `HANDOFF_TIMEZONE` (an IANA name, via `zoneinfo`), so daylight saving
time moves with them.

A bad value raises `OpeningHoursError`, whose message names the variable and what is wrong;
the settings check it at start-up, so a typo stops the action server instead of making the bot
promise the wrong hours. The hours are public (the bot tells them to everyone who asks for a
person), so the message may quote the faulty part.

`describe` and `format_moment` word the hours and a moment in the person's language with
Babel's CLDR data; CLDR has almost no Haitian Creole, so its day and month names are here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

VARIABLE = "HANDOFF_OPENING_HOURS"
TIMEZONE_VARIABLE = "HANDOFF_TIMEZONE"
EXAMPLE = "mon-fri 09:00-18:00; sat 10:00-14:00"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EVERY_DAY = frozenset({"daily", "everyday"})
MINUTES_PER_DAY = 24 * 60
#: Time zones CLDR names "Unknown Region": shown as UTC and their offset instead.
_UTC_LIKE = re.compile(r"^(Etc/.*|UTC|UCT|GMT.*|Universal|Zulu|Greenwich)$")
#: Haitian Creole day and month names (CLDR's `ht` has none).
HT_DAYS = ("lendi", "madi", "mèkredi", "jedi", "vandredi", "samdi", "dimanch")
HT_MONTHS = ("janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "out", "septanm",
             "oktòb", "novanm", "desanm")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class OpeningHoursError(ValueError):
    """A bad `HANDOFF_OPENING_HOURS` or `HANDOFF_TIMEZONE`; `reason` says what is wrong
    without the variable's name (the settings' messages add it)."""

    def __init__(self, reason: str, variable: str = VARIABLE) -> None:
        super().__init__(f"{variable}: {reason}")
        self.reason = reason
        self.variable = variable


@dataclass(frozen=True)
class Clause:
    """One `days times` group as written: the day ranges (first, last weekday, 0 = Monday)
    and the time ranges (start, end in minutes after midnight, end excluded)."""

    days: tuple[tuple[int, int], ...]
    times: tuple[tuple[int, int], ...]

    def weekdays(self) -> list[int]:
        found: list[int] = []
        for first, last in self.days:
            day = first
            while True:
                if day not in found:
                    found.append(day)
                if day == last:
                    break
                day = (day + 1) % 7
        return found


@dataclass(frozen=True)
class OpeningHours:
    """Parsed opening hours in one time zone."""

    clauses: tuple[Clause, ...]
    zone: ZoneInfo

    def _ranges(self, weekday: int) -> list[tuple[int, int]]:
        return sorted(t for c in self.clauses if weekday in c.weekdays() for t in c.times)

    def local(self, at: dt.datetime) -> dt.datetime:
        """`at` (timezone-aware) as wall-clock time in the team's time zone."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("opening hours need a timezone-aware datetime")
        return at.astimezone(self.zone)

    def is_open(self, at: dt.datetime) -> bool:
        """Whether the team reads the inbox at `at`."""
        local = self.local(at)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self._ranges(local.weekday()))

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """The first moment at or after `at` when the team reads the inbox, in the team's time
        zone: `at` itself while open."""
        local = self.local(at)
        if self.is_open(local):
            return local
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            for start, _end in self._ranges(day.weekday()):
                wall = dt.datetime.combine(day, dt.time(start // 60, start % 60), self.zone)
                # A start inside a daylight-saving gap (02:30 that never happens) becomes the
                # real moment just after it.
                moment = wall.astimezone(dt.UTC).astimezone(self.zone)
                if moment > local:
                    return moment
        raise AssertionError("opening hours without any opening")  # parse() forbids it

    def describe(self, lang: str) -> str:
        """The hours as written, in `lang`: "lunes–viernes 09:00–18:00 y sábado 10:00–14:00"."""
        names = day_names(lang)
        parts = []
        for clause in self.clauses:
            days = _and(lang, [names[first] if first == last else f"{names[first]}–{names[last]}"
                               for first, last in clause.days])
            times = _and(lang, [f"{_hhmm(start)}–{_hhmm(end)}" for start, end in clause.times])
            parts.append(f"{days} {times}")
        if any(len(clause.times) > 1 for clause in self.clauses):
            return ", ".join(parts)  # "09:00–13:00 y 15:00–18:00, sábado…": no second "y"
        return _and(lang, parts)


def _and(lang: str, items: list[str]) -> str:
    """"a, b and c" in `lang` (CLDR's list pattern; Haitian Creole's "ak" written here)."""
    if lang == "ht":
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " ak " + items[-1]
    from babel.lists import format_list

    return str(format_list(items, locale=lang))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day(word: str, clause: str) -> int:
    if word in DAYS:
        return DAYS.index(word)
    if word in FULL_DAYS:
        return FULL_DAYS.index(word)
    raise OpeningHoursError(f"unknown day {word!r} in {clause!r} (days are "
                            f"{', '.join(DAYS)}, or daily; e.g. {EXAMPLE!r})")


def _minutes(text: str, clause: str, end: bool) -> int:
    match = _TIME.match(text)
    if not match:
        raise OpeningHoursError(f"{text!r} in {clause!r} is not a time: write HH:MM, "
                                f"e.g. {EXAMPLE!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24 and not minutes and not end:
        raise OpeningHoursError(f"{text!r} in {clause!r} can only end a range; a range starts "
                                f"between 00:00 and 23:59")
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise OpeningHoursError(f"{text!r} in {clause!r} is not a time of day (00:00 to "
                                f"23:59, or 24:00 to close at midnight)")
    return hours * 60 + minutes


def _clause(clause: str) -> Clause:
    lowered = clause.lower()
    digit = re.search(r"\d", lowered)
    if digit is None or not lowered[:digit.start()].strip():
        raise OpeningHoursError(f"{clause!r} needs days and times, e.g. {EXAMPLE!r}")
    day_part = re.sub(r"\s+", "", lowered[:digit.start()])
    time_part = re.sub(r"\s+", "", lowered[digit.start():])
    days: list[tuple[int, int]] = []
    for item in day_part.split(","):
        if not item:
            raise OpeningHoursError(f"an empty day in {clause!r}")
        if item in EVERY_DAY:
            days.append((0, 6))
            continue
        first, dash, last = item.partition("-")
        start = _day(first, clause)
        days.append((start, _day(last, clause) if dash else start))
    times: list[tuple[int, int]] = []
    for item in time_part.split(","):
        start_text, dash, end_text = item.partition("-")
        if not dash:
            raise OpeningHoursError(f"{item!r} in {clause!r} is not a time range: write "
                                    f"HH:MM-HH:MM, e.g. {EXAMPLE!r}")
        start, end = _minutes(start_text, clause, False), _minutes(end_text, clause, True)
        if end <= start:
            raise OpeningHoursError(
                f"{item!r} in {clause!r} ends before it starts: put hours past midnight on "
                f"the next day, e.g. 'fri 20:00-24:00; sat 00:00-02:00'")
        times.append((start, end))
    return Clause(days=tuple(days), times=tuple(times))


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone `name`; `OpeningHoursError` naming `HANDOFF_TIMEZONE` if unknown."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise OpeningHoursError(f"unknown time zone {name!r} (an IANA name such as "
                                f"'Europe/Madrid' or 'America/Mexico_City')",
                                TIMEZONE_VARIABLE) from None


def parse(text: str, timezone: str = "UTC") -> OpeningHours:
    """Parse `HANDOFF_OPENING_HOURS` (see the module's docstring); `OpeningHoursError` names
    the variable and what is wrong."""
    clauses = [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
    if not clauses:
        raise OpeningHoursError(f"is empty: give the team's hours, e.g. {EXAMPLE!r}, or "
                                f"leave it unset")
    return OpeningHours(clauses=tuple(_clause(c) for c in clauses), zone=zone_of(timezone))


@lru_cache(maxsize=8)
def load(text: str | None, timezone: str = "UTC") -> OpeningHours | None:
    """The settings' hours, or None when `HANDOFF_OPENING_HOURS` is unset or blank."""
    if text is None or not text.strip():
        return None
    return parse(text, timezone)


def day_names(lang: str) -> tuple[str, ...]:
    """Monday to Sunday in `lang`."""
    if lang == "ht":
        return HT_DAYS
    from babel import Locale

    wide = Locale.parse(lang).days["format"]["wide"]
    return tuple(str(wide[i]) for i in range(7))


def format_moment(at: dt.datetime, lang: str) -> str:
    """A day and a time in `lang`, in `at`'s own time zone: "lunes, 7 de diciembre, 9:00",
    "Monday, December 7, 9:00 AM", "lendi 7 desanm, 09:00"."""
    if lang == "ht":
        return f"{HT_DAYS[at.weekday()]} {at.day} {HT_MONTHS[at.month - 1]}, {at:%H:%M}"
    from babel import Locale
    from babel.dates import format_date, format_time, get_datetime_format, match_skeleton

    locale = Locale.parse(lang)
    key = match_skeleton("MMMMEEEEd", locale.datetime_skeletons)
    pattern = locale.datetime_skeletons[key].pattern if key else "EEEE d MMMM"
    # CLDR's nearest skeleton abbreviates the weekday; written out it reads better.
    pattern = re.sub(r"(?<![A-Za-z])E{1,3}(?![A-Za-z])", "EEEE", pattern)
    day = format_date(at, pattern, locale=locale)
    time = format_time(at, "short", locale=locale)
    joined = str(get_datetime_format("long", locale=locale)).replace("'", "")
    return joined.replace("{1}", day).replace("{0}", time)


def zone_label(zone: ZoneInfo, lang: str, at: dt.datetime | None = None) -> str:
    """The time zone's name for a person: "hora de Colombia", "Spain (Madrid) Time", "lè
    Madrid"; zones without a place (UTC, Etc/GMT+5) as "UTC" or "UTC-05:00"."""
    if _UTC_LIKE.match(zone.key):
        offset = (at or dt.datetime.now(dt.UTC)).astimezone(zone).utcoffset()
        if not offset:
            return "UTC"
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    from babel.dates import get_timezone_location

    if lang == "ht":
        return "lè " + str(get_timezone_location(zone, locale="en", return_city=True))
    location = str(get_timezone_location(zone, locale=lang))
    if "(" not in location:  # "hora de Colombia"
        return location
    # A country with several zones: "hora de España (Madrid)" reads better, and nests in no
    # parentheses, as "hora de Europa central, Madrid".
    from babel.dates import get_timezone_name

    name = get_timezone_name(zone, "long", locale=lang, zone_variant="generic")
    city = get_timezone_location(zone, locale=lang, return_city=True)
    return f"{name}, {city}"


def country_zone(country: str | None) -> ZoneInfo | None:
    """The time zone of a country that has only one (Colombia, Honduras), else None."""
    if not country:
        return None
    from babel.core import get_global

    zones = get_global("territory_zones").get(country.upper()) or []
    if len(zones) != 1:
        return None
    try:
        return ZoneInfo(zones[0])
    except (ZoneInfoNotFoundError, ValueError):
        return None
