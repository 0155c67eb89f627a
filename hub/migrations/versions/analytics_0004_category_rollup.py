"""analytics rollup per need category (top-level need)

Revision ID: analytics_0004
Revises: analytics_0003
Create Date: 2026-12-07 06:10:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'analytics_0004'
down_revision: str | Sequence[str] | None = 'analytics_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('analytics_referral_category_rollup',
    sa.Column('referrals', sa.Integer(), nullable=False),
    sa.Column('viewed', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('closed_loop', sa.Integer(), nullable=False),
    sa.Column('sla_breached', sa.Integer(), nullable=False),
    sa.Column('client_got_help', sa.Integer(), nullable=False),
    sa.Column('client_could_not_reach', sa.Integer(), nullable=False),
    sa.Column('client_no_longer_needed', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('rated_helpful', sa.Integer(), nullable=False),
    sa.Column('first_action_seconds', sa.LargeBinary(), nullable=False),
    sa.Column('close_seconds', sa.LargeBinary(), nullable=False),
    sa.Column('sent_month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('sender_organization_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('receiver_organization_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.PrimaryKeyConstraint('sent_month', 'sender_organization_id', 'receiver_organization_id', 'category'),
    sqlite_with_rowid=False,
    )
    # Derived from the facts: forgetting the refresh watermark makes the next refresh a full
    # one, which fills the new table together with the others.
    op.execute("DELETE FROM analytics_refresh_mark WHERE name = 'referral_facts'")


def downgrade() -> None:
    op.drop_table('analytics_referral_category_rollup')
