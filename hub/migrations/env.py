"""Alembic environment: runs migrations on the connection handed over by `hub.migrate`."""

from __future__ import annotations

from alembic import context

from hub.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through `hub migrate` (hub.migrate), not bare alembic.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
