"""Imports every table module so `SQLModel.metadata` knows the whole schema (Alembic, tests)."""

from __future__ import annotations

from sqlmodel import SQLModel

import hub.core.events
import hub.identity.models
import providers.models

# Each domain package adds its table module here as it grows.
TABLE_MODULES = (hub.core.events, hub.identity.models, providers.models)

metadata = SQLModel.metadata
