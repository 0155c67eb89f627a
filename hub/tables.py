"""Imports every table module so `SQLModel.metadata` knows the whole schema (Alembic, tests)."""

from __future__ import annotations

from sqlmodel import SQLModel

import hub.core.events
import hub.identity.invitations
import hub.identity.models
import importers.models
import providers.geocoding.cache
import providers.models
import referrals.analytics.models
import referrals.models
import referrals.notifications.models
import referrals.notifications.preferences
import search.log

# Each domain package adds its table module here as it grows.
TABLE_MODULES = (
    hub.core.events,
    hub.identity.models,
    hub.identity.invitations,
    providers.models,
    providers.geocoding.cache,
    search.log,
    referrals.models,
    referrals.notifications.models,
    referrals.notifications.preferences,
    referrals.analytics.models,
    importers.models,
)

metadata = SQLModel.metadata
