"""The durable record: SQLAlchemy 2 (async) on SQLite or PostgreSQL, Alembic migrations,
field-level encryption of child data, the audit log and the outbox."""
