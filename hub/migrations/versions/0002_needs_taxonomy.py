"""needs taxonomy (data): load the shipped hub-needs taxonomy

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:20:00

"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from providers.needs_taxonomy import NEEDS_TAXONOMY, upsert_needs

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Idempotent: rerunning (or a later `hub demo`) updates the same rows by code.
    upsert_needs(op.get_bind(), now=datetime.now(UTC))


def downgrade() -> None:
    bind = op.get_bind()
    found = bind.execute(
        sa.text("SELECT id FROM taxonomy WHERE name = :name"), {"name": NEEDS_TAXONOMY}
    ).scalar_one_or_none()
    if found is None:
        return
    # Children before parents keeps the self-referencing foreign key satisfied.
    bind.execute(
        sa.text("DELETE FROM taxonomy_term WHERE taxonomy_id = :id AND parent_id IS NOT NULL"),
        {"id": found},
    )
    bind.execute(sa.text("DELETE FROM taxonomy_term WHERE taxonomy_id = :id"), {"id": found})
    bind.execute(sa.text("DELETE FROM taxonomy WHERE id = :id"), {"id": found})
