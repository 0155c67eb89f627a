"""The schema: per-domain Query/Mutation/Subscription classes merged, with execution limits."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.tools import merge_types

from hub.core.settings import Settings
from schema.analytics.queries import AnalyticsQuery
from schema.directory.mutations import MUTATIONS as DIRECTORY_MUTATIONS
from schema.directory.queries import DirectoryQuery
from schema.directory.taxonomy import TaxonomyQuery
from schema.error_logging import HubSchema
from schema.errors import ErrorCodes, MaskUnexpected
from schema.limits import (
    BoundedParserCache,
    BoundedValidationCache,
    HttpSubscriptionsRefused,
    OneLoginPerRequest,
)
from schema.notifications.api import NotificationMutation, NotificationQuery
from schema.notifications.settings import (
    NotificationSettingsMutation,
    NotificationSettingsQuery,
)
from schema.referrals.client_search import ClientSearchQuery
from schema.referrals.mutations import ReferralMutation
from schema.referrals.queries import ReferralQuery
from schema.referrals.subscriptions import ReferralSubscription
from schema.relay import RelayQuery
from schema.search.needs import NeedMatchQuery
from schema.search.queries import SearchServicesQuery

# Each domain appends its root classes here (keep the lists sorted by domain).
QUERY_TYPES: list[type] = [
    RelayQuery,
    AnalyticsQuery,
    DirectoryQuery,
    TaxonomyQuery,
    NotificationQuery,
    NotificationSettingsQuery,
    ReferralQuery,
    ClientSearchQuery,
    SearchServicesQuery,
    NeedMatchQuery,
]
MUTATION_TYPES: list[type] = [
    *DIRECTORY_MUTATIONS,
    NotificationMutation,
    NotificationSettingsMutation,
    ReferralMutation,
]
SUBSCRIPTION_TYPES: list[type] = [ReferralSubscription]


def _merged(name: str, types: list[type]) -> type | None:
    return merge_types(name, tuple(types)) if types else None


def schema_extensions(settings: Settings) -> list[Any]:
    """Execution limits, document caches and error handling every schema of the hub runs with."""
    # The depth and alias limits are validation rules. Made once here, not by a limiter per
    # operation, so every operation validates with the same rules and a validated document
    # can be reused: ValidationCache keys on the document and the rules.
    limits = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
        OneLoginPerRequest,
    ]
    return [
        # Factories, not instances: every operation gets fresh extension state.
        partial(MaxTokensLimiter, max_token_count=settings.graphql_max_tokens),
        # Parsed and validated documents are kept per distinct short query text (see limits).
        BoundedParserCache,
        partial(AddValidationRules, limits),
        BoundedValidationCache,
        HttpSubscriptionsRefused,
        # MaskUnexpected hides unexpected errors (code INTERNAL); ErrorCodes codes the rest.
        MaskUnexpected,
        ErrorCodes,
    ]


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """Build the executable schema with the depth, alias and token limits of `settings`."""
    settings = settings or Settings(_env_file=None)
    query = _merged("Query", QUERY_TYPES)
    assert query is not None
    return HubSchema(
        query=query,
        mutation=_merged("Mutation", MUTATION_TYPES),
        subscription=_merged("Subscription", SUBSCRIPTION_TYPES),
        extensions=schema_extensions(settings),
    )
