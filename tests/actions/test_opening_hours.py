"""`HANDOFF_OPENING_HOURS`: parsing, open or not, the next opening across days, week-ends and
daylight saving time, and bad values that stop the action server naming the variable."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from helpline.handoff.hours import OpeningHoursError, format_moment, load, parse
from helpline.settings import ActionSettings, SettingsError, load_process_settings

MADRID = ZoneInfo("Europe/Madrid")


def madrid(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=MADRID)


def test_open_inside_the_hours_and_closed_at_their_end() -> None:
    hours = parse("mon-fri 09:00-18:00; sat 10:00-14:00", "Europe/Madrid")
    assert hours.is_open(madrid(2026, 12, 2, 9, 0))  # Wednesday
    assert hours.is_open(madrid(2026, 12, 2, 17, 59))
    assert not hours.is_open(madrid(2026, 12, 2, 18, 0))  # the end is excluded
    assert not hours.is_open(madrid(2026, 12, 2, 8, 59))
    assert hours.is_open(madrid(2026, 12, 5, 13, 30))  # Saturday
    assert not hours.is_open(madrid(2026, 12, 6, 12, 0))  # Sunday
    # Any aware datetime: 08:30 UTC is 09:30 in Madrid in winter.
    assert hours.is_open(dt.datetime(2026, 12, 2, 8, 30, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        hours.is_open(dt.datetime(2026, 12, 2, 10, 0))


def test_the_next_opening() -> None:
    hours = parse("mon-fri 09:00-18:00; sat 10:00-14:00", "Europe/Madrid")
    # Open now: now.
    assert hours.next_opening(madrid(2026, 12, 2, 11, 0)) == madrid(2026, 12, 2, 11, 0)
    # Before opening, after closing, over the week-end.
    assert hours.next_opening(madrid(2026, 12, 2, 7, 0)) == madrid(2026, 12, 2, 9, 0)
    assert hours.next_opening(madrid(2026, 12, 2, 18, 0)) == madrid(2026, 12, 3, 9, 0)
    assert hours.next_opening(madrid(2026, 12, 4, 19, 0)) == madrid(2026, 12, 5, 10, 0)
    assert hours.next_opening(madrid(2026, 12, 5, 14, 0)) == madrid(2026, 12, 7, 9, 0)
    # Given in UTC, answered in the team's zone.
    found = hours.next_opening(dt.datetime(2026, 12, 5, 15, 0, tzinfo=dt.UTC))
    assert found == madrid(2026, 12, 7, 9, 0) and found.tzinfo == MADRID
    # Once a week: the next one is six days away.
    weekly = parse("tue 10:00-11:00", "Europe/Madrid")
    assert weekly.next_opening(madrid(2026, 12, 1, 11, 0)) == madrid(2026, 12, 8, 10, 0)


def test_midnight_wrapped_weeks_lists_and_several_ranges() -> None:
    hours = parse("fri-mon 20:00-24:00; sat-sun 00:00-02:00; wed,thu 09:00-12:00,14:00-16:00")
    utc = dt.UTC
    assert hours.is_open(dt.datetime(2026, 12, 4, 23, 59, tzinfo=utc))  # Friday before midnight
    assert hours.is_open(dt.datetime(2026, 12, 5, 1, 0, tzinfo=utc))  # Saturday after midnight
    assert hours.is_open(dt.datetime(2026, 12, 7, 21, 0, tzinfo=utc))  # Monday: fri-mon wraps
    assert not hours.is_open(dt.datetime(2026, 12, 8, 21, 0, tzinfo=utc))  # Tuesday
    assert not hours.is_open(dt.datetime(2026, 12, 9, 13, 0, tzinfo=utc))  # Wednesday's lunch
    assert hours.next_opening(dt.datetime(2026, 12, 9, 12, 30, tzinfo=utc)) == dt.datetime(
        2026, 12, 9, 14, 0, tzinfo=utc)
    assert parse("daily 00:00-24:00").is_open(dt.datetime(2026, 12, 6, 23, 59, tzinfo=utc))
    assert parse("Monday-Friday 9:00 - 17:00").is_open(dt.datetime(2026, 12, 7, 9, 0, tzinfo=utc))


def test_the_hours_follow_daylight_saving_time() -> None:
    hours = parse("mon-fri 09:00-18:00", "Europe/Madrid")
    assert hours.is_open(dt.datetime(2026, 7, 1, 7, 30, tzinfo=dt.UTC))  # 09:30 CEST
    assert not hours.is_open(dt.datetime(2026, 12, 2, 7, 30, tzinfo=dt.UTC))  # 08:30 CET
    # An opening inside the spring-forward gap (02:30 never happens) is the moment after it.
    gap = parse("sun 02:30-04:00", "America/New_York")
    found = gap.next_opening(dt.datetime(2026, 3, 8, 6, 0, tzinfo=dt.UTC))  # 01:00 EST
    assert found.astimezone(dt.UTC) == dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)


def test_unset_or_blank_means_no_hours() -> None:
    assert load(None) is None
    assert load("  ") is None


@pytest.mark.parametrize(("value", "says"), [
    ("mon-fry 09:00-18:00", "unknown day 'fry'"),
    ("mon-fri 9-18", "'9' in 'mon-fri 9-18' is not a time"),
    ("mon-fri 09:00", "is not a time range"),
    ("mon-fri 18:00-09:00", "ends before it starts"),
    ("mon 09:00-09:00", "ends before it starts"),
    ("mon 09:00-25:00", "'25:00'"),
    ("mon 09:60-10:00", "'09:60'"),
    ("mon 24:00-24:00", "can only end a range"),
    ("mon 09:00-24:30", "'24:30'"),
    ("mon-fri", "needs days and times"),
    ("09:00-18:00", "needs days and times"),
    ("mon,,tue 09:00-10:00", "an empty day"),
    (";", "is empty"),
])
def test_bad_hours_name_the_variable_and_the_fault(value: str, says: str) -> None:
    with pytest.raises(OpeningHoursError) as caught:
        parse(value)
    assert str(caught.value).startswith("HANDOFF_OPENING_HOURS: ")
    assert says in str(caught.value)


def test_an_unknown_time_zone_names_its_variable() -> None:
    with pytest.raises(OpeningHoursError, match=r"^HANDOFF_TIMEZONE: unknown time zone"):
        parse("mon 09:00-10:00", "Europe/Madird")


def test_the_settings_refuse_bad_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as caught:
        load_process_settings(ActionSettings, handoff_opening_hours="mon-fry 09:00-18:00")
    assert str(caught.value).startswith("HANDOFF_OPENING_HOURS: unknown day 'fry'")
    with pytest.raises(SettingsError, match=r"^HANDOFF_TIMEZONE: unknown time zone"):
        load_process_settings(ActionSettings, handoff_timezone="Mars/Olympus")
    good = load_process_settings(ActionSettings, handoff_opening_hours="sat 10:00-14:00",
                                 handoff_timezone="America/Bogota")
    assert good.handoff_opening_hours == "sat 10:00-14:00"
    monkeypatch.delenv("HANDOFF_OPENING_HOURS", raising=False)
    unset = load_process_settings(ActionSettings, _env_file=None)
    assert unset.handoff_opening_hours is None


def test_bad_hours_stop_the_action_server_at_start(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from helpline import serve
    from helpline.settings import get_action_settings

    monkeypatch.setenv("HANDOFF_OPENING_HOURS", "lun-vie 09:00-18:00")
    get_action_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            serve._settings_or_exit(get_action_settings)
    finally:
        get_action_settings.cache_clear()
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "HANDOFF_OPENING_HOURS: unknown day 'lun'" in error


@pytest.mark.parametrize(("lang", "expected"), [
    ("es", "lunes, 7 de diciembre, 9:00"),
    ("en", "Monday, December 7, 9:00\u202fAM"),
    ("pt", "segunda-feira, 7 de dezembro 09:00"),
    ("fr", "lundi 7 décembre, 09:00"),
    ("ht", "lendi 7 desanm, 09:00"),
])
def test_a_moment_in_each_language(lang: str, expected: str) -> None:
    assert format_moment(madrid(2026, 12, 7, 9, 0), lang) == expected


def test_the_hours_in_each_language() -> None:
    hours = parse("mon-fri 09:00-18:00; sat 10:00-14:00")
    assert hours.describe("es") == "lunes–viernes 09:00–18:00 y sábado 10:00–14:00"
    assert hours.describe("en") == "Monday–Friday 09:00–18:00 and Saturday 10:00–14:00"
    assert hours.describe("ht") == "lendi–vandredi 09:00–18:00 ak samdi 10:00–14:00"
    split = parse("mon-fri 09:00-13:00,15:00-18:00; sat 10:00-14:00")
    assert split.describe("fr") == ("lundi–vendredi 09:00–13:00 et 15:00–18:00, "
                                    "samedi 10:00–14:00")
