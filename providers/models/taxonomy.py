"""Taxonomies, their terms and the attributes that tag entities with terms (HSDS)."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from hub.core.model_base import Timestamped, fk_field, id_field


class Taxonomy(Timestamped, table=True):
    """A vocabulary of terms: our needs taxonomy, AIRS, Open Eligibility, an import's own."""

    __tablename__ = "taxonomy"

    id: str = id_field()
    name: str = Field(max_length=255, unique=True)
    description: str = Field(default="", max_length=5000)
    uri: str | None = Field(default=None, max_length=500)
    version: str | None = Field(default=None, max_length=50)


class TaxonomyTerm(Timestamped, table=True):
    """One term; `parent_id` builds the tree, and searching a parent includes its children."""

    __tablename__ = "taxonomy_term"
    __table_args__ = (UniqueConstraint("taxonomy_id", "code", name="uq_taxonomy_term_code"),)

    id: str = id_field()
    code: str | None = Field(default=None, max_length=100, index=True)
    name: str = Field(max_length=255)
    description: str = Field(default="", max_length=5000)
    parent_id: str | None = fk_field("taxonomy_term.id", ondelete="SET NULL")
    taxonomy: str | None = Field(default=None, max_length=255)
    taxonomy_id: str | None = fk_field("taxonomy.id")
    language: str | None = Field(default=None, max_length=20)
    term_uri: str | None = Field(default=None, max_length=500)


class Attribute(Timestamped, table=True):
    """Links a taxonomy term to any entity (HSDS attribute): how services get their needs."""

    __tablename__ = "attribute"
    __table_args__ = (
        UniqueConstraint("link_id", "taxonomy_term_id", "link_type", name="uq_attribute_link"),
    )

    id: str = id_field()
    link_id: str = Field(max_length=64, index=True)
    taxonomy_term_id: str = fk_field("taxonomy_term.id", nullable=False)
    link_type: str | None = Field(default=None, max_length=50)
    link_entity: str = Field(max_length=50)
    value: str | None = Field(default=None, max_length=1000)
