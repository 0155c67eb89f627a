"""import keys: (source, entity, external id) -> internal id and content hash

Revision ID: importers_0001
Revises: 0001
Create Date: 2026-11-22 03:25:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.model_base

revision: str = "importers_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("importers",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_key",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("internal_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("imported_at", hub.core.model_base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "entity", "external_id", name="pk_import_key"),
    )
    with op.batch_alter_table("import_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_key_internal_id"), ["internal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_key_internal_id"))
    op.drop_table("import_key")
