"""invitations: one-time links to join an organization

Revision ID: identity_0002_invitation
Revises: identity_0001
Create Date: 2026-12-07 05:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.model_base

revision: str = "identity_0002_invitation"
down_revision: str | Sequence[str] | None = "identity_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invitation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("organization_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum("org_admin", "org_staff", name="orgrole", native_enum=False, length=17),
            nullable=False,
        ),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("invited_by_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", hub.core.model_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hub.core.model_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", hub.core.model_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by_user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["accepted_user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitation_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_invitation_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invitation_invited_by_user_id"), ["invited_by_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invitation_accepted_user_id"), ["accepted_user_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("invitation")
