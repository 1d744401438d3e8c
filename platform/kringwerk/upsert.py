"""One upsert for SQLite and PostgreSQL: INSERT ... ON CONFLICT DO UPDATE through each dialect's construct."""
