"""One knowledge-base engine per action-server process, created on first use (never at import)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

from helpline.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session


@lru_cache(maxsize=1)
def engine() -> Engine:
    from knowledge.db import make_engine

    return make_engine(get_settings().database_url)


@contextmanager
def session() -> Iterator[Session]:
    """A session for one action run: committed on success, rolled back on error."""
    from knowledge.db import session_scope

    with session_scope(engine()) as s:
        yield s
