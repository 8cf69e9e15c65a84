"""The schema's revisions, oldest first (Alembic reads them by path; see schema/__init__.py)."""
