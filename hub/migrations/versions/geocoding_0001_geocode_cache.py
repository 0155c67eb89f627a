"""geocode cache: answers of online geocoders, keyed by provider, kind and normalized query

Revision ID: geocoding_0001
Revises: 0001
Create Date: 2026-11-22 03:30:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.model_base

revision: str = "geocoding_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("geocoding",)
depends_on: str | Sequence[str] | None = None

_PRECISION = sa.Enum(
    "rooftop", "street", "zip", "city", "provided", "none",
    name="geocodeprecision", native_enum=False, create_constraint=False, length=16,
)


def upgrade() -> None:
    op.create_table(
        "geocode_cache",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("precision", _PRECISION, nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("postal_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("county", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("timezone_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", hub.core.model_base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("geocode_cache")
