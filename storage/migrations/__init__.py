"""Alembic migrations of the Suitiao schema (storage/migrations/versions)."""
