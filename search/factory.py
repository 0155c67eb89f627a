"""Builds the configured search backend from settings."""

from __future__ import annotations

from hub.core.settings import Settings
from search.backend import SearchBackend


def build_backend(settings: Settings) -> SearchBackend:
    """The embedded index (own file) by default, or Elasticsearch when configured."""
    if settings.search_backend == "elasticsearch":
        from search.es.backend import ElasticsearchBackend

        return ElasticsearchBackend.from_url(
            settings.elasticsearch_url, settings.elasticsearch_index
        )
    from search.embedded import EmbeddedBackend

    return EmbeddedBackend(settings.resolved_search_index_path())
