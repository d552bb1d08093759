"""Schemas of the stores the project owns: Alembic migrations."""
