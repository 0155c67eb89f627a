"""The stand-in itself: the client's wire expectations, and refusals a real cluster makes.

The backend tests in test_es_wire.py are only as good as the stand-in: these check that it
speaks the 9.x client's media types and rejects what Elasticsearch rejects.
"""

from __future__ import annotations

import pytest
from elasticsearch import AsyncElasticsearch, BadRequestError

from search.es.backend import ElasticsearchBackend
from search.es.mapping import MAPPINGS, SETTINGS
from tests.search.es_standin import elasticsearch_standin

ALIAS = "hub-test"


async def test_the_client_speaks_the_9x_media_types_an_8x_cluster_refuses() -> None:
    with elasticsearch_standin() as nine:
        client = AsyncElasticsearch(nine.url, node_class="httpxasync")  # type: ignore[arg-type]
        info = await client.info()
        await client.close()
        assert info["tagline"] == "You Know, for Search"
        assert nine.requests[0].headers["accept"] == (
            "application/vnd.elasticsearch+json; compatible-with=9"
        )
    with elasticsearch_standin(major=8) as eight:
        client = AsyncElasticsearch(eight.url, node_class="httpxasync")  # type: ignore[arg-type]
        with pytest.raises(BadRequestError, match="media_type_header_exception"):
            await client.info()
        await client.close()
        backend = ElasticsearchBackend.from_url(eight.url, ALIAS)
        with pytest.raises(BadRequestError):
            await backend.count()
        await backend.close()


async def test_the_stand_in_refuses_what_a_cluster_refuses() -> None:
    with elasticsearch_standin() as standin:
        client = AsyncElasticsearch(standin.url, node_class="httpxasync")  # type: ignore[arg-type]
        try:
            bad_mapping = {"properties": {"name": {"type": "text", "analyzer": "hub_missing"}}}
            with pytest.raises(BadRequestError, match="mapper_parsing_exception"):
                await client.indices.create(index="a", mappings=bad_mapping)
            await client.indices.create(
                index="b", mappings=MAPPINGS, settings=SETTINGS, aliases={"x": {}}
            )
            strict = await client.bulk(
                operations=[{"index": {"_id": "1"}}, {"id": "1", "colour": "red"}], index="x"
            )
            error = strict["items"][0]["index"]["error"]
            assert (strict["errors"], error["type"]) == (True, "strict_dynamic_mapping_exception")
            with pytest.raises(BadRequestError, match="illegal_argument_exception"):
                await client.indices.delete(index="x")
            with pytest.raises(BadRequestError, match="x_content_parse_exception"):
                await client.search(index="x", body='{"search_after": [Infinity]}')
            # Writes are searchable only after a refresh, as on a cluster.
            await client.bulk(operations=[{"index": {"_id": "2"}}, {"id": "2"}], index="x")
            assert (await client.count(index="x"))["count"] == 0
            await client.indices.refresh(index="x")
            assert (await client.count(index="x"))["count"] == 1
        finally:
            await client.close()
