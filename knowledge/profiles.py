"""The person a question is about: where they are, nationality, status, age, sex, situation.

Validation is strict so an impossible profile (age -1, an adult marked as a minor, an unknown
country code) is an error that names the field, not a silent wrong answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from knowledge.rules import MIGRATION_STATUSES, SITUATIONS

SEXES = ("female", "male", "other")
PROFILE_KEYS = ("country", "nationality", "migration_status", "age", "sex", "situation")


class ProfileError(ValueError):
    """A profile field is missing or impossible; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"profile field {field_name}: {message}")
        self.field = field_name


@lru_cache(maxsize=1)
def known_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes known to CLDR (Babel)."""
    from babel import Locale

    not_countries = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
    codes = (str(c) for c in Locale("en").territories)
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha() and c not in not_countries)


def check_country(code: Any, field_name: str) -> str:
    if not isinstance(code, str) or code.upper() not in known_countries():
        raise ProfileError(field_name, f"unknown country code {code!r} (ISO 3166-1 alpha-2)")
    return code.upper()


@dataclass(frozen=True)
class Profile:
    """Facts about a person's situation (never identity). Only `country` is required."""

    country: str
    nationality: str | None = None
    migration_status: str | None = None
    age: int | None = None
    sex: str | None = None
    situation: list[str] | tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", check_country(self.country, "country"))
        if self.nationality is not None:
            object.__setattr__(self, "nationality",
                               check_country(self.nationality, "nationality"))
        if self.migration_status is not None and self.migration_status not in MIGRATION_STATUSES:
            raise ProfileError("migration_status", f"{self.migration_status!r} is not one of "
                               f"{', '.join(MIGRATION_STATUSES)}")
        if self.age is not None:
            if isinstance(self.age, bool) or not isinstance(self.age, int):
                raise ProfileError("age", f"{self.age!r} is not a whole number")
            if not 0 <= self.age <= 130:
                raise ProfileError("age", f"{self.age} is outside 0..130")
        if self.sex is not None and self.sex not in SEXES:
            raise ProfileError("sex", f"{self.sex!r} is not one of {', '.join(SEXES)}")
        if isinstance(self.situation, str):
            raise ProfileError("situation", "must be a list")
        for s in self.situation:
            if s not in SITUATIONS:
                raise ProfileError("situation", f"{s!r} is not one of {', '.join(SITUATIONS)}")
        minor_flags = {"minor", "unaccompanied_minor"} & set(self.situation)
        if minor_flags and self.age is not None and self.age >= 18:
            raise ProfileError("situation", f"{sorted(minor_flags)[0]} with age {self.age}")
        if "pregnant" in self.situation and self.sex == "male":
            raise ProfileError("situation", "pregnant with sex male")
        object.__setattr__(self, "situation", tuple(dict.fromkeys(self.situation)))

    @property
    def status(self) -> str:
        return self.migration_status or "unknown"

    @property
    def situations(self) -> frozenset[str]:
        """Stated situations plus those implied (an age under 18 or unaccompanied -> minor)."""
        s = set(self.situation)
        if (self.age is not None and self.age < 18) or "unaccompanied_minor" in s:
            s.add("minor")
        return frozenset(s)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        if not isinstance(data, Mapping):
            raise ProfileError("(profile)", "must be a JSON object")
        unknown = set(data) - set(PROFILE_KEYS)
        if unknown:
            raise ProfileError(sorted(unknown)[0],
                               f"unknown key (allowed: {', '.join(PROFILE_KEYS)})")
        if "country" not in data or data["country"] in (None, ""):
            raise ProfileError("country", "is required")
        return cls(country=data["country"], nationality=data.get("nationality"),
                   migration_status=data.get("migration_status"), age=data.get("age"),
                   sex=data.get("sex"), situation=list(data.get("situation") or ()))

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country, "nationality": self.nationality,
                "migration_status": self.migration_status, "age": self.age, "sex": self.sex,
                "situation": list(self.situation)}
