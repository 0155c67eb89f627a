"""The per-field change log (HSDS metadata): who changed which field of which record, when."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.core.model_base import id_field, utc_field


class Metadata(SQLModel, table=True):
    """One change to one field of one record; append-only."""

    __tablename__ = "metadata"

    id: str = id_field()
    resource_id: str = Field(max_length=64, index=True)
    resource_type: str = Field(max_length=50)
    last_action_date: datetime = utc_field()
    last_action_type: str = Field(max_length=20)
    field_name: str = Field(max_length=100)
    previous_value: str = Field(default="", max_length=10_000)
    replacement_value: str = Field(default="", max_length=10_000)
    updated_by: str = Field(max_length=255)
