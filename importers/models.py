"""The import key table: which hub record each source's external id became, and its content hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import PrimaryKeyConstraint, Text
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


class DeferredReference(SQLModel, table=True):
    """A reference to a record not yet in the hub, resolved when a later import brings it.

    Without `record_json` the record was written without the link (an optional column left
    empty); with it the record itself waits, because the column is required.
    """

    __tablename__ = "import_deferred_reference"
    __table_args__ = (
        PrimaryKeyConstraint("entity", "record_id", "column_name", name="pk_import_deferred"),
    )

    source: str = Field(max_length=100)
    entity: str = Field(max_length=50)
    record_id: str = Field(max_length=64)
    column_name: str = Field(max_length=64)
    target_entity: str = Field(max_length=50)
    target_id: str = Field(max_length=64, index=True)
    target_external_id: str = Field(max_length=255)
    external_id: str = Field(max_length=255)
    record_json: str | None = Field(default=None, sa_type=Text)
    deferred_at: datetime = utc_field()
