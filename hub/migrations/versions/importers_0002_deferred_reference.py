"""import deferred references: links and records waiting for a record a later import brings

Revision ID: importers_0002
Revises: importers_0001
Create Date: 2026-12-07 05:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.model_base

revision: str = "importers_0002"
down_revision: str | Sequence[str] | None = "importers_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_deferred_reference",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("column_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("target_entity", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("target_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "target_external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=True),
        sa.Column("deferred_at", hub.core.model_base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entity", "record_id", "column_name", name="pk_import_deferred"),
    )
    with op.batch_alter_table("import_deferred_reference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_deferred_reference_target_id"), ["target_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("import_deferred_reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_deferred_reference_target_id"))
    op.drop_table("import_deferred_reference")
