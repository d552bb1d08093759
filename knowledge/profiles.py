"""The person a question is about: where they are, nationality, status, age, sex, situation.

`Profile` is a frozen pydantic model. Validation is strict so an impossible profile (age -1,
an adult marked as a minor, an unknown country code) is an error that names the field, not a
silent wrong answer; every validation failure reaches callers as one `ProfileError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

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


def _one_of(field_name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise ProfileError(field_name, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def profile_error(exc: ValidationError) -> ProfileError:
    """The `ProfileError` of the first problem pydantic found."""
    err = exc.errors(include_url=False)[0]
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, ProfileError):
        return original
    name = str(err["loc"][0]) if err["loc"] else "(profile)"
    message = {"extra_forbidden": f"unknown key (allowed: {', '.join(PROFILE_KEYS)})",
               "missing": "is required"}.get(err["type"], err["msg"])
    return ProfileError(name, message)


class Profile(BaseModel):
    """Facts about a person's situation (never identity). Only `country` is required."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str
    nationality: str | None = None
    migration_status: str | None = None
    age: int | None = None
    sex: str | None = None
    situation: Sequence[str] = ()  # stored as a tuple without repeats

    if not TYPE_CHECKING:  # type checkers keep the field-by-field signature pydantic gives

        def __init__(self, **data: Any) -> None:
            try:
                super().__init__(**data)
            except ValidationError as exc:
                raise profile_error(exc) from None

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> str:
        if value in (None, ""):
            raise ProfileError("country", "is required")
        return check_country(value, "country")

    @field_validator("nationality", mode="before")
    @classmethod
    def _nationality(cls, value: Any) -> str | None:
        return None if value is None else check_country(value, "nationality")

    @field_validator("age", mode="before")
    @classmethod
    def _age(cls, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProfileError("age", f"{value!r} is not a whole number")
        if not 0 <= value <= 130:
            raise ProfileError("age", f"{value} is outside 0..130")
        return value

    @field_validator("migration_status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        return _one_of("migration_status", value, MIGRATION_STATUSES)

    @field_validator("sex")
    @classmethod
    def _sex(cls, value: str | None) -> str | None:
        return _one_of("sex", value, SEXES)

    @field_validator("situation", mode="before")
    @classmethod
    def _situation_is_a_list(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ProfileError("situation", "must be a list")
        return tuple(value)

    @field_validator("situation")
    @classmethod
    def _situation(cls, value: Sequence[str]) -> tuple[str, ...]:
        for s in value:
            _one_of("situation", s, SITUATIONS)
        return tuple(dict.fromkeys(value))

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        minor_flags = {"minor", "unaccompanied_minor"} & set(self.situation)
        if minor_flags and self.age is not None and self.age >= 18:
            raise ProfileError("situation", f"{sorted(minor_flags)[0]} with age {self.age}")
        if "pregnant" in self.situation and self.sex == "male":
            raise ProfileError("situation", "pregnant with sex male")
        return self

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
        """A profile from JSON-like data (unknown keys and a missing country are errors)."""
        if not isinstance(data, Mapping):
            raise ProfileError("(profile)", "must be a JSON object")
        return cls(**{str(k): v for k, v in data.items()})

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump()
        data["situation"] = list(self.situation)
        return data
