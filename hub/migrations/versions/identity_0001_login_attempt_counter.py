"""login attempt counters: sign-in throttling per account and client address

Revision ID: identity_0001
Revises: 0001
Create Date: 2026-12-07 05:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.model_base

revision: str = "identity_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("identity",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempt_counter",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "window_started_at", hub.core.model_base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("login_attempt_counter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_attempt_counter_window_started_at"),
            ["window_started_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("login_attempt_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempt_counter_window_started_at"))
    op.drop_table("login_attempt_counter")
