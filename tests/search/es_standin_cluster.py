"""The in-memory cluster behind the Elasticsearch stand-in: indices, aliases, bulk, search."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.search import es_standin_rules as rules
from tests.search.es_standin_rules import Rejected, Unsupported

Json = dict[str, Any]
SearchAnswer = Json | Callable[[Json], Json]
SHARDS = {"total": 1, "successful": 1, "skipped": 0, "failed": 0}
WRITE_SHARDS = {"total": 2, "successful": 1, "failed": 0}
MAX_RESULT_WINDOW = 10_000


@dataclass
class Doc:
    """A stored document."""

    version: int
    source: Json
    seq_no: int


@dataclass
class Index:
    """A concrete index: `live` takes writes, `searchable` is what the last refresh exposed."""

    name: str
    settings: Json
    mappings: Json
    auto_created: bool = False
    live: dict[str, Doc] = field(default_factory=dict)
    searchable: dict[str, Doc] = field(default_factory=dict)
    seq_no: int = 0

    def refresh(self) -> None:
        """Expose every write so far to search, as `_refresh` does."""
        self.searchable = dict(self.live)


def es_error(status: int, error_type: str, reason: str, **extra: Any) -> Json:
    """An error body in Elasticsearch's shape."""
    cause = {"type": error_type, "reason": reason, **extra}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


def _not_found(name: str) -> Rejected:
    return Rejected(404, "index_not_found_exception", f"no such index [{name}]")


class Cluster:
    """Indices, aliases and documents, and what each endpoint does to them."""

    def __init__(self, *, major: int, auto_create_index: bool) -> None:
        self.major = major
        self.auto_create_index = auto_create_index
        self.indices: dict[str, Index] = {}
        self.aliases: dict[str, set[str]] = {}
        self._searches: deque[SearchAnswer] = deque()
        self._item_failures: dict[str, deque[tuple[int, str, str]]] = {}

    @staticmethod
    def search_response(
        hits: list[Json],
        *,
        total: int | None = None,
        aggregations: Json | None = None,
        max_score: float | None = None,
    ) -> Json:
        """A `_search` response body in Elasticsearch's documented shape."""
        body: Json = {
            "took": 3,
            "timed_out": False,
            "_shards": dict(SHARDS),
            "hits": {
                "total": {"value": len(hits) if total is None else total, "relation": "eq"},
                "max_score": max_score,
                "hits": hits,
            },
        }
        if aggregations is not None:
            body["aggregations"] = aggregations
        return body

    def _info(self) -> Json:
        return {
            "name": "standin-0",
            "cluster_name": "hub-standin",
            "cluster_uuid": "c2VhcmNoLXN0YW5kLWluAA",
            "version": {
                "number": f"{self.major}.1.0",
                "build_flavor": "default",
                "build_type": "docker",
                "build_snapshot": False,
                "lucene_version": "10.2.1",
                "minimum_wire_compatibility_version": f"{self.major - 1}.19.0",
                "minimum_index_compatibility_version": f"{self.major - 1}.0.0",
            },
            "tagline": "You Know, for Search",
        }

    def _resolve(self, target: str) -> list[str]:
        names: list[str] = []
        for name in target.split(","):
            if name in self.aliases:
                names.extend(sorted(self.aliases[name]))
            elif name in self.indices:
                names.append(name)
            else:
                raise _not_found(name)
        return names

    def _searchable(self, target: str) -> list[tuple[str, Doc]]:
        return [
            (doc_id, doc)
            for name in self._resolve(target)
            for doc_id, doc in self.indices[name].searchable.items()
        ]

    def _get_alias(self, alias: str) -> tuple[int, Json]:
        if alias not in self.aliases:
            return 404, {"error": f"alias [{alias}] missing", "status": 404}
        return 200, {name: {"aliases": {alias: {}}} for name in sorted(self.aliases[alias])}

    def _update_aliases(self, actions: list[Json]) -> tuple[int, Json]:
        planned: list[tuple[str, str, str]] = []
        for action in actions:
            ((kind, spec),) = action.items()
            indices = spec.get("indices") or [spec["index"]]
            aliases = spec.get("aliases") or [spec.get("alias")]
            for index in indices:
                if index not in self.indices:
                    raise _not_found(index)
                for alias in aliases:
                    if kind == "remove" and index not in self.aliases.get(alias, set()):
                        raise Rejected(
                            404, "aliases_not_found_exception", f"aliases [{alias}] missing"
                        )
                    if kind == "add" and alias in self.indices:
                        reason = f"Invalid alias name [{alias}]: an index exists with the same name"
                        raise Rejected(400, "invalid_alias_name_exception", reason)
                    planned.append((kind, index, alias))
        # All checked first, then applied together: the swap is atomic as in the real cluster.
        for kind, index, alias in planned:
            if kind == "add":
                self.aliases.setdefault(alias, set()).add(index)
            else:
                self.aliases[alias].discard(index)
                if not self.aliases[alias]:
                    del self.aliases[alias]
        return 200, {"acknowledged": True, "errors": False}

    def _create_index(self, name: str, body: Json) -> tuple[int, Json]:
        if name in self.indices:
            reason = f"index [{name}/standin] already exists"
            raise Rejected(400, "resource_already_exists_exception", reason)
        if name in self.aliases or name != name.lower() or name.startswith(("_", "-", "+")):
            raise Rejected(400, "invalid_index_name_exception", f"Invalid index name [{name}]")
        settings, mappings = body.get("settings", {}), body.get("mappings", {})
        rules.check_index_body(settings, mappings)
        for alias in body.get("aliases") or {}:
            if alias in self.indices:
                reason = f"Invalid alias name [{alias}]: an index exists with the same name"
                raise Rejected(400, "invalid_alias_name_exception", reason)
        self.indices[name] = Index(name, settings, mappings)
        for alias in body.get("aliases") or {}:
            self.aliases.setdefault(alias, set()).add(name)
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def _delete_index(self, target: str, params: dict[str, str]) -> tuple[int, Json]:
        for name in target.split(","):
            if name in self.aliases:
                reason = (
                    f"The provided expression [{name}] matches an alias, specify the "
                    "corresponding concrete indices instead."
                )
                raise Rejected(400, "illegal_argument_exception", reason)
            if name not in self.indices:
                if params.get("ignore_unavailable") == "true":
                    continue
                raise _not_found(name)
            del self.indices[name]
            for alias in list(self.aliases):
                self.aliases[alias].discard(name)
                if not self.aliases[alias]:
                    del self.aliases[alias]
        return 200, {"acknowledged": True}

    def _write_index(self, target: str) -> Index:
        if target in self.aliases:
            names = self.aliases[target]
            if len(names) != 1:
                reason = f"no write index is defined for alias [{target}]"
                raise Rejected(400, "illegal_argument_exception", reason)
            return self.indices[next(iter(names))]
        if target not in self.indices:
            if not self.auto_create_index:
                raise _not_found(target)
            # As a default cluster does: the first write to a missing name creates it, unmapped.
            self.indices[target] = Index(target, {}, {}, auto_created=True)
        return self.indices[target]

    def _bulk(
        self, default: str | None, params: dict[str, str], lines: list[Json]
    ) -> tuple[int, Json]:
        items: list[Json] = []
        touched: set[str] = set()
        position = 0
        while position < len(lines):
            ((op, meta),) = lines[position].items()
            source = lines[position + 1] if op != "delete" else None
            position += 1 if op == "delete" else 2
            doc_id = str(meta.get("_id"))
            try:
                index = self._write_index(meta.get("_index") or default or "")
                touched.add(index.name)
                failures = self._item_failures.get(doc_id) or self._item_failures.get("*")
                if failures:
                    raise Rejected(*failures.popleft())
                item = self._apply(op, index, doc_id, meta, source)
            except Rejected as error:
                name = meta.get("_index") or default
                item = {
                    "_index": name,
                    "_id": doc_id,
                    "status": error.status,
                    "error": {"type": error.error_type, "reason": error.reason, "index": name},
                }
            items.append({op: item})
        if params.get("refresh") in ("", "true", "wait_for"):
            for name in touched:
                if name in self.indices:
                    self.indices[name].refresh()
        errors = any("error" in next(iter(i.values())) for i in items)
        return 200, {"errors": errors, "took": 2, "items": items}

    def _apply(self, op: str, index: Index, doc_id: str, meta: Json, source: Json | None) -> Json:
        current = index.live.get(doc_id)
        item: Json = {"_index": index.name, "_id": doc_id}
        if op == "delete":
            index.seq_no += 1
            if current is None:
                item.update(_version=1, result="not_found", status=404)
            else:
                del index.live[doc_id]
                item.update(_version=current.version + 1, result="deleted", status=200)
        elif op == "index":
            assert source is not None
            version = self._version(doc_id, meta, current)
            rules.check_source(index.mappings, doc_id, source)
            index.seq_no += 1
            index.live[doc_id] = Doc(version, source, index.seq_no)
            created = current is None
            item.update(
                _version=version,
                result="created" if created else "updated",
                status=201 if created else 200,
            )
        else:
            raise Rejected(400, "illegal_argument_exception", f"Unsupported bulk action [{op}]")
        item.update(_shards=dict(WRITE_SHARDS), _seq_no=index.seq_no, _primary_term=1)
        return item

    @staticmethod
    def _version(doc_id: str, meta: Json, current: Doc | None) -> int:
        version_type = meta.get("version_type", "internal")
        if version_type == "internal":
            return 1 if current is None else current.version + 1
        if "version" not in meta:
            reason = f"Validation Failed: 1: version is required for [{version_type}];"
            raise Rejected(400, "action_request_validation_exception", reason)
        wanted = int(meta["version"])
        if current is not None:
            newer = current.version >= wanted if version_type == "external" else False
            if current.version > wanted or newer:
                relation = "higher or equal to" if version_type == "external" else "higher than"
                reason = (
                    f"[{doc_id}]: version conflict, current version [{current.version}] is "
                    f"{relation} the one provided [{wanted}]"
                )
                raise Rejected(409, "version_conflict_engine_exception", reason)
        return wanted

    def _search(self, target: str, body: Json) -> tuple[int, Json]:
        size, start = int(body.get("size", 10)), int(body.get("from", 0))
        if size + start > MAX_RESULT_WINDOW:
            reason = (
                f"Result window is too large, from + size must be less than or equal to: "
                f"[{MAX_RESULT_WINDOW}] but was [{size + start}]."
            )
            raise Rejected(400, "illegal_argument_exception", reason)
        docs = self._searchable(target)
        names = {i: n for n in self._resolve(target) for i in self.indices[n].searchable}
        try:
            found = [(i, d) for i, d in docs if rules.matches(body.get("query"), d.source, i)]
            aggregations = rules.aggregate(body.get("aggs", {}), (d.source for _, d in found))
        except Unsupported as error:
            # Scored searches are answered from the queue the test filled, in ES format.
            if not self._searches:
                reason = f"the stand-in does not evaluate [{error}]: queue_search() the response"
                raise Rejected(400, "parsing_exception", reason) from error
            answer = self._searches.popleft()
            return 200, answer(body) if callable(answer) else answer
        hits = []
        for doc_id, doc in found[start : start + size]:
            hit: Json = {"_index": names[doc_id], "_id": doc_id, "_score": 1.0}
            filtered = rules.filter_source(doc.source, body.get("_source"))
            if filtered is not None:
                hit["_source"] = filtered
            hits.append(hit)
        total = len(found)
        response = self.search_response(
            hits, total=total, max_score=1.0 if hits else None, aggregations=aggregations or None
        )
        if body.get("track_total_hits") is not True and total > MAX_RESULT_WINDOW:
            response["hits"]["total"] = {"value": MAX_RESULT_WINDOW, "relation": "gte"}
        return 200, response
