"""An Elasticsearch stand-in on loopback that speaks the REST wire format our backend uses.

No Elasticsearch can be installed here, so the real `ElasticsearchBackend` and the official
client talk HTTP to this server instead. It keeps indices, aliases and documents in memory,
answers in the shapes Elasticsearch documents (with the `X-Elastic-Product` header and the
compatible-with media types the client insists on), records every request, and refuses what a
cluster refuses (strict-mapping violations, unknown analyzers, non-standard JSON such as
`Infinity`, an alias given to index deletion). `_search` is answered from a queue the test fills
in ES format; filter-only searches (`document_ids`, the time-zone aggregation) are evaluated.

Endpoints: `GET /`, `HEAD|GET /_alias/{name}`, `POST /_aliases`, `PUT|DELETE /{index}`,
`POST /{target}/_bulk`, `POST /{target}/_refresh`, `GET|POST /{target}/_count`,
`GET|POST /{target}/_search`.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.loopback import serving
from tests.search import es_standin_rules as rules
from tests.search.es_standin_cluster import (
    SHARDS,
    WRITE_SHARDS,
    Cluster,
    Json,
    SearchAnswer,
    es_error,
)
from tests.search.es_standin_rules import Rejected

_COMPAT = re.compile(r"compatible-with=(\d+)")


@dataclass(frozen=True)
class Recorded:
    """One request as the stand-in received it (body parsed: JSON, or a list for NDJSON)."""

    method: str
    path: str
    endpoint: str
    params: dict[str, str]
    headers: dict[str, str]
    body: Any


def _strict_json(raw: bytes) -> Any:
    def no_constants(token: str) -> Any:
        # Jackson in Elasticsearch is not configured with ALLOW_NON_NUMERIC_NUMBERS.
        raise Rejected(
            400,
            "x_content_parse_exception",
            f"Non-standard token '{token}': enable "
            "JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow",
        )

    try:
        return json.loads(raw, parse_constant=no_constants)
    except json.JSONDecodeError as error:
        raise Rejected(400, "x_content_parse_exception", str(error)) from error


def _quote_non_finite(value: Any) -> Any:
    # Jackson writes infinite doubles (a geo-distance sort value of a document with no point) as
    # the strings "Infinity" / "-Infinity": never a bare token the client could not parse.
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _quote_non_finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_quote_non_finite(v) for v in value]
    return value


class ElasticsearchStandIn(Cluster):
    """The cluster plus recording, failure injection and test helpers (HTTP only routes here)."""

    def __init__(self, *, major: int = 9, auto_create_index: bool = True) -> None:
        super().__init__(major=major, auto_create_index=auto_create_index)
        self.requests: list[Recorded] = []
        self.port = 0
        self._request_failures: dict[str, deque[tuple[int, str]]] = {}
        self._lock = threading.RLock()

    @property
    def url(self) -> str:
        """Where the client connects."""
        return f"http://127.0.0.1:{self.port}"

    # -- what tests use ------------------------------------------------------------------

    def calls(self, endpoint: str) -> list[Recorded]:
        """Recorded requests to one endpoint (`bulk`, `search`, `create_index` ...)."""
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def endpoints(self) -> list[str]:
        """The endpoint of every request so far, in order."""
        with self._lock:
            return [r.endpoint for r in self.requests]

    def alias_indices(self, alias: str) -> set[str]:
        """Concrete indices an alias points at now."""
        with self._lock:
            return set(self.aliases.get(alias, set()))

    def queue_search(self, answer: SearchAnswer) -> None:
        """Answer the next unevaluated `_search` with this body (or this function of its body)."""
        with self._lock:
            self._searches.append(answer)

    def refresh_all(self) -> None:
        """Expose every write to search, as the periodic refresh of a real cluster would."""
        with self._lock:
            for index in self.indices.values():
                index.refresh()

    def fail_item(self, doc_id: str, status: int, error_type: str, *, times: int = 1) -> None:
        """Make the next `times` bulk operations on a document (`*`: any) fail per item."""
        reason = f"stand-in rejected [{doc_id}]"
        with self._lock:
            self._item_failures.setdefault(doc_id, deque()).extend(
                [(status, error_type, reason)] * times
            )

    def fail_request(self, endpoint: str, status: int, error_type: str, *, times: int = 1) -> None:
        """Make the next `times` requests to an endpoint fail as a whole."""
        with self._lock:
            self._request_failures.setdefault(endpoint, deque()).extend(
                [(status, error_type)] * times
            )

    def hit(
        self,
        doc_id: str,
        *,
        sort: list[Any],
        score: float | None = None,
        highlight: dict[str, list[str]] | None = None,
        source: Any = None,
    ) -> Json:
        """A search hit of a stored, refreshed document, its `_source` filtered as requested."""
        with self._lock:
            for index in self.indices.values():
                if doc_id in index.searchable:
                    stored = index.searchable[doc_id].source
                    hit: Json = {"_index": index.name, "_id": doc_id, "_score": score}
                    filtered = rules.filter_source(stored, source)
                    if filtered is not None:
                        hit["_source"] = filtered
                    hit["sort"] = sort
                    if highlight:
                        hit["highlight"] = highlight
                    return hit
        raise KeyError(f"{doc_id} is not searchable in any index")

    # -- request handling ----------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Json | None, str]:
        """Route one request; returns status, body and the response content type."""
        split = urlsplit(target)
        path = unquote(split.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        accept = _COMPAT.search(headers.get("accept", ""))
        media = f"application/vnd.elasticsearch+json;compatible-with={accept.group(1)}"
        content_type = media if accept else "application/json"
        endpoint, parts = _route(method, path)
        with self._lock:
            try:
                body = self._parse(endpoint, raw)
            except Rejected as error:
                text = raw.decode(errors="replace")
                self.requests.append(Recorded(method, path, endpoint, params, headers, text))
                return error.status, self._error(error), content_type
            self.requests.append(Recorded(method, path, endpoint, params, headers, body))
            try:
                self._check_compatibility(headers, bool(raw))
                failures = self._request_failures.get(endpoint)
                if failures:
                    status, error_type = failures.popleft()
                    return status, es_error(status, error_type, "stand-in failure"), content_type
                status, answer = self._dispatch(endpoint, parts, params, body)
            except Rejected as error:
                return error.status, self._error(error), content_type
        return status, _quote_non_finite(answer), content_type

    @staticmethod
    def _error(error: Rejected) -> Json:
        body = es_error(error.status, error.error_type, error.reason)
        if isinstance(error, _MediaTypeRejected):
            body["error"]["caused_by"] = error.cause
        return body

    def _parse(self, endpoint: str, raw: bytes) -> Any:
        if not raw:
            return None
        if endpoint == "bulk":
            if not raw.endswith(b"\n"):
                reason = "The bulk request must be terminated by a newline [\\n]"
                raise Rejected(400, "illegal_argument_exception", reason)
            return [_strict_json(line) for line in raw.split(b"\n") if line.strip()]
        return _strict_json(raw)

    def _check_compatibility(self, headers: dict[str, str], has_body: bool) -> None:
        # As RestCompatibleVersionHelper: this major or the one before, the same on both headers.
        found = {
            name: int(m.group(1))
            for name in ("accept", "content-type")
            if (m := _COMPAT.search(headers.get(name, "")))
        }
        checked = ["accept", "content-type"] if has_body else ["accept"]
        for name in checked:
            version = found.get(name, self.major)
            if version not in (self.major, self.major - 1):
                label = "Accept" if name == "accept" else "Content-Type"
                cause = {
                    "type": "status_exception",
                    "reason": f"{label} version must be either version {self.major} or "
                    f"{self.major - 1}, but found {version}. {label}={headers.get(name)}",
                }
                headers_named = "[Accept, Content-Type]" if has_body else "[Accept]"
                raise _MediaTypeRejected(headers_named, cause)

    def _dispatch(
        self, endpoint: str, parts: list[str], params: dict[str, str], body: Any
    ) -> tuple[int, Json | None]:
        if endpoint == "info":
            return 200, self._info()
        if endpoint == "exists_alias":
            return (200 if parts[0] in self.aliases else 404), None
        if endpoint == "get_alias":
            return self._get_alias(parts[0])
        if endpoint == "update_aliases":
            return self._update_aliases(body["actions"])
        if endpoint == "create_index":
            return self._create_index(parts[0], body or {})
        if endpoint == "delete_index":
            return self._delete_index(parts[0], params)
        if endpoint == "bulk":
            return self._bulk(parts[0] if parts else None, params, body or [])
        if endpoint == "refresh":
            names = self._resolve(parts[0])
            for name in names:
                self.indices[name].refresh()
            return 200, {"_shards": dict(WRITE_SHARDS)}
        if endpoint == "count":
            docs = self._searchable(parts[0])
            query = (body or {}).get("query")
            count = sum(rules.matches(query, d.source, i) for i, d in docs)
            return 200, {"count": count, "_shards": dict(SHARDS)}
        if endpoint == "search":
            return self._search(parts[0], body or {})
        reason = f"no handler found for uri [/{'/'.join(parts)}] ({endpoint})"
        raise Rejected(400, "illegal_argument_exception", reason)


class _MediaTypeRejected(Rejected):
    def __init__(self, headers_named: str, cause: Json) -> None:
        super().__init__(
            400,
            "media_type_header_exception",
            f"Invalid media-type value on headers {headers_named}",
        )
        self.cause = cause


def _route(method: str, path: str) -> tuple[str, list[str]]:
    parts = [p for p in path.split("/") if p]
    table: dict[tuple[str, int, str | None], str] = {
        ("GET", 0, None): "info",
        ("HEAD", 0, None): "info",
        ("HEAD", 2, "_alias"): "exists_alias",
        ("GET", 2, "_alias"): "get_alias",
        ("POST", 1, "_aliases"): "update_aliases",
        ("POST", 1, "_bulk"): "bulk",
        ("PUT", 1, "_bulk"): "bulk",
    }
    first = parts[0] if parts else None
    if (method, len(parts), first) in table:
        return table[(method, len(parts), first)], parts[1:]
    if len(parts) == 1 and not parts[0].startswith("_"):
        return {"PUT": "create_index", "DELETE": "delete_index"}.get(method, "unknown"), parts
    if len(parts) == 2:
        action = {"_bulk": "bulk", "_refresh": "refresh", "_count": "count", "_search": "search"}
        return action.get(parts[1], "unknown"), parts[:1]
    return "unknown", parts


@contextmanager
def elasticsearch_standin(
    *, major: int = 9, auto_create_index: bool = True
) -> Iterator[ElasticsearchStandIn]:
    """Run a stand-in on a free loopback port for the duration of a test."""
    state = ElasticsearchStandIn(major=major, auto_create_index=auto_create_index)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
        disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stall

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body, content_type = state.handle(self.command, self.path, headers, raw)
            payload = b"" if body is None else json.dumps(body, allow_nan=False).encode()
            self.send_response(status)
            # The 8.x and 9.x clients refuse any 2xx answer without this header.
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Type", content_type if body is not None else "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def do_GET(self) -> None:
            self._serve()

        def do_HEAD(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler, poll_interval=0.01) as port:
        state.port = port
        yield state
