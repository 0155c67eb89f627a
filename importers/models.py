"""The import key table: which hub record each source's external id became, and its content hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import PrimaryKeyConstraint
from sqlmodel import Field, SQLModel

from hub.core.model_base import utc_field


class ImportKey(SQLModel, table=True):
    """One imported record: (source, entity, external id) -> internal id and last hash."""

    __tablename__ = "import_key"
    __table_args__ = (
        PrimaryKeyConstraint("source", "entity", "external_id", name="pk_import_key"),
    )

    source: str = Field(max_length=100)
    entity: str = Field(max_length=50)
    external_id: str = Field(max_length=255)
    internal_id: str = Field(max_length=64, index=True)
    content_hash: str = Field(max_length=64)
    imported_at: datetime = utc_field()
