"""analytics monthly rollups

Revision ID: analytics_0002
Revises: analytics_0001
Create Date: 2026-11-30 17:05:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'analytics_0002'
down_revision: str | Sequence[str] | None = 'analytics_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REPORT_INDEX = ['sent_at', 'sender_organization_id', 'receiver_organization_id', 'status', 'outcome', 'sent_month', 'viewed', 'accepted', 'completed', 'closed_loop', 'sla_breached', 'client_report', 'client_helped', 'first_action_seconds', 'close_seconds', 'reason_code']


def upgrade() -> None:
    op.create_table('analytics_referral_rollup',
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
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=26), nullable=False),
    sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.PrimaryKeyConstraint('sent_month', 'sender_organization_id', 'receiver_organization_id', 'status', 'outcome', 'reason_code'),
    sqlite_with_rowid=False,
    )
    op.create_table('analytics_referral_need_rollup',
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
    sa.Column('need', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.PrimaryKeyConstraint('sent_month', 'sender_organization_id', 'receiver_organization_id', 'need'),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('analytics_referral_fact', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_fact_cell', ['sent_month', 'sender_organization_id', 'receiver_organization_id'], unique=False)
        # The report index gains referral_id, so joining the needs stays inside the index.
        batch_op.drop_index('ix_analytics_fact_report')
        batch_op.create_index('ix_analytics_fact_report', _REPORT_INDEX + ['referral_id'], unique=False)

    # The rollup is derived from the facts: forgetting the refresh watermark makes the next
    # refresh a full one, which rebuilds facts and rollup together for existing databases.
    op.execute("DELETE FROM analytics_refresh_mark WHERE name = 'referral_facts'")


def downgrade() -> None:
    with op.batch_alter_table('analytics_referral_fact', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_fact_report')
        batch_op.create_index('ix_analytics_fact_report', _REPORT_INDEX, unique=False)
        batch_op.drop_index('ix_analytics_fact_cell')

    op.drop_table('analytics_referral_need_rollup')
    op.drop_table('analytics_referral_rollup')
