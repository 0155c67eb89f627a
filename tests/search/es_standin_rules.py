"""What the Elasticsearch stand-in checks and evaluates: mappings, sources, simple queries, aggs.

Only the parts a real cluster would reject our requests for (unknown analyzers, fields outside a
strict mapping, values of the wrong type) and the filter-only queries our backend sends besides
the main search (`document_ids`, the time-zone aggregation). Scored queries are not evaluated:
tests queue the response of those.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

Source = Mapping[str, Any]

BUILTIN_ANALYZERS = {"standard", "simple", "whitespace", "stop", "keyword", "english", "default"}
BUILTIN_TOKENIZERS = {"standard", "whitespace", "keyword", "letter", "classic", "uax_url_email"}
BUILTIN_FILTERS = {
    "lowercase",
    "uppercase",
    "asciifolding",
    "stop",
    "stemmer",
    "porter_stem",
    "kstem",
    "trim",
    "unique",
    "word_delimiter_graph",
    "shingle",
    "snowball",
}
FILTER_TYPES = {"stop", "stemmer", "synonym", "synonym_graph", "asciifolding", "lowercase"}
STEMMER_LANGUAGES = {"english", "light_english", "minimal_english", "possessive_english", "porter2"}
# Parameters ES accepts per field type (only the types and parameters this project can use).
COMMON_PARAMS = {"type", "index", "doc_values", "store", "null_value", "copy_to", "fields"}
TYPE_PARAMS: dict[str, set[str]] = {
    "keyword": COMMON_PARAMS | {"ignore_above", "normalizer"},
    "text": COMMON_PARAMS
    | {"analyzer", "search_analyzer", "search_quote_analyzer", "index_options", "norms"},
    "boolean": COMMON_PARAMS,
    "integer": COMMON_PARAMS | {"coerce", "ignore_malformed"},
    "long": COMMON_PARAMS | {"coerce", "ignore_malformed"},
    "float": COMMON_PARAMS | {"coerce", "ignore_malformed"},
    "double": COMMON_PARAMS | {"coerce", "ignore_malformed"},
    "date": COMMON_PARAMS | {"format", "ignore_malformed"},
    "geo_point": COMMON_PARAMS | {"ignore_malformed", "ignore_z_value"},
    "integer_range": COMMON_PARAMS | {"coerce"},
    "object": {"type", "enabled", "properties", "dynamic"},
}


class Rejected(Exception):
    """A request Elasticsearch would refuse: carries the ES error type and reason."""

    def __init__(self, status: int, error_type: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.error_type = error_type
        self.reason = reason


def check_index_body(settings: Mapping[str, Any], mappings: Mapping[str, Any]) -> None:
    """Reject analysis settings and mappings a cluster would not create an index with."""
    analysis = settings.get("analysis", {})
    filters = analysis.get("filter", {})
    for name, spec in filters.items():
        if spec.get("type") not in FILTER_TYPES:
            raise Rejected(400, "illegal_argument_exception", f"Unknown filter type [{name}]")
        if spec["type"] == "stemmer" and spec.get("language") not in STEMMER_LANGUAGES:
            reason = f"Unknown language [{spec.get('language')}] for stemmer [{name}]"
            raise Rejected(400, "illegal_argument_exception", reason)
        if spec["type"].startswith("synonym") and not spec.get("synonyms"):
            raise Rejected(400, "illegal_argument_exception", f"synonym requires [{name}]")
    analyzers = analysis.get("analyzer", {})
    for name, spec in analyzers.items():
        if spec.get("tokenizer") not in BUILTIN_TOKENIZERS:
            reason = f"Custom Analyzer [{name}] failed to find tokenizer [{spec.get('tokenizer')}]"
            raise Rejected(400, "illegal_argument_exception", reason)
        for used in spec.get("filter", []):
            if used not in filters and used not in BUILTIN_FILTERS:
                reason = f"Custom Analyzer [{name}] failed to find filter under name [{used}]"
                raise Rejected(400, "illegal_argument_exception", reason)
    unknown = set(mappings) - {"dynamic", "properties", "_source", "_meta"}
    if unknown:
        reason = f"Root mapping definition has unsupported parameters: {sorted(unknown)}"
        raise Rejected(400, "mapper_parsing_exception", reason)
    _check_properties(mappings.get("properties", {}), set(analyzers) | BUILTIN_ANALYZERS)


def _check_properties(properties: Mapping[str, Any], analyzers: set[str]) -> None:
    for field, spec in properties.items():
        kind = spec.get("type", "object")
        allowed = TYPE_PARAMS.get(kind)
        if allowed is None:
            reason = f"No handler for type [{kind}] declared on field [{field}]"
            raise Rejected(400, "mapper_parsing_exception", reason)
        extra = set(spec) - allowed
        if extra:
            reason = f"unknown parameter [{sorted(extra)[0]}] on mapper [{field}] of type [{kind}]"
            raise Rejected(400, "mapper_parsing_exception", reason)
        for key in ("analyzer", "search_analyzer"):
            if key in spec and spec[key] not in analyzers:
                reason = f"analyzer [{spec[key]}] has not been configured in mappings"
                raise Rejected(400, "mapper_parsing_exception", reason)
        _check_properties(spec.get("fields", {}), analyzers)
        _check_properties(spec.get("properties", {}), analyzers)


def check_source(mappings: Mapping[str, Any], doc_id: str, source: Source) -> None:
    """Reject a document a strict mapping would not take (unknown field, wrong value type)."""
    properties = mappings.get("properties", {})
    for field, value in source.items():
        spec = properties.get(field)
        if spec is None:
            if mappings.get("dynamic") == "strict":
                reason = (
                    f"[1:2] mapping set to strict, dynamic introduction of [{field}] within "
                    "[_doc] is not allowed"
                )
                raise Rejected(400, "strict_dynamic_mapping_exception", reason)
            continue
        values = value if isinstance(value, list) else [value]
        for one in values:
            if one is not None and not _fits(spec.get("type", "object"), one):
                reason = (
                    f"[1:2] failed to parse field [{field}] of type [{spec.get('type')}] in "
                    f"document with id '{doc_id}'. Preview of field's value: '{one}'"
                )
                raise Rejected(400, "document_parsing_exception", reason)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fits(kind: str, value: Any) -> bool:
    if kind in {"keyword", "text"}:
        return isinstance(value, str | int | float | bool)
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if kind in {"integer", "long"}:
        return _number(value) and float(value).is_integer()
    if kind in {"float", "double"}:
        return _number(value) and math.isfinite(value)
    if kind == "date":
        return isinstance(value, str) or _number(value)
    if kind == "geo_point":
        return (
            isinstance(value, Mapping)
            and set(value) == {"lat", "lon"}
            and -90 <= value["lat"] <= 90
            and -180 <= value["lon"] <= 180
        )
    if kind == "integer_range":
        bounds = {"gte", "gt", "lte", "lt"}
        return (
            isinstance(value, Mapping)
            and bool(value)
            and set(value) <= bounds
            and all(isinstance(v, int) for v in value.values())
        )
    return isinstance(value, Mapping)  # object


def _values(source: Source, field: str) -> list[Any]:
    value = source.get(field)
    if value is None and "." in field:
        # A multi-field such as `organization_name.keyword` indexes its parent's value.
        value = source.get(field.rsplit(".", 1)[0])
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class Unsupported(Exception):
    """A query the stand-in does not evaluate: the test must queue the response."""


def matches(query: Mapping[str, Any] | None, source: Source, doc_id: str) -> bool:
    """Whether a filter-only query matches a document (match_all, term(s), exists, ids, bool)."""
    if not query:
        return True
    ((kind, spec),) = query.items()
    if kind == "match_all":
        return True
    if kind == "term":
        ((field, wanted),) = spec.items()
        wanted = wanted["value"] if isinstance(wanted, Mapping) else wanted
        return wanted in _values(source, field)
    if kind == "terms":
        ((field, wanted),) = spec.items()
        return bool(set(map(repr, wanted)) & set(map(repr, _values(source, field))))
    if kind == "exists":
        return bool(_values(source, spec["field"]))
    if kind == "ids":
        return doc_id in spec["values"]
    if kind == "bool":
        return _bool(spec, source, doc_id)
    raise Unsupported(kind)


def _clauses(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    found = spec.get(key, [])
    return [found] if isinstance(found, Mapping) else list(found)


def _bool(spec: Mapping[str, Any], source: Source, doc_id: str) -> bool:
    required = _clauses(spec, "must") + _clauses(spec, "filter")
    if not all(matches(q, source, doc_id) for q in required):
        return False
    if any(matches(q, source, doc_id) for q in _clauses(spec, "must_not")):
        return False
    should = _clauses(spec, "should")
    default = 0 if required else 1
    needed = int(spec.get("minimum_should_match", default if should else 0))
    return sum(matches(q, source, doc_id) for q in should) >= needed


def aggregate(aggs: Mapping[str, Any], sources: Iterable[Source]) -> dict[str, Any]:
    """`terms` aggregations (with nested `terms`), buckets by count then key as ES orders them."""
    docs = list(sources)
    result: dict[str, Any] = {}
    for name, spec in aggs.items():
        nested = spec.get("aggs", spec.get("aggregations", {}))
        kinds = set(spec) - {"aggs", "aggregations"}
        if kinds != {"terms"}:
            raise Unsupported(f"aggregation {sorted(kinds)}")
        field, size = spec["terms"]["field"], int(spec["terms"].get("size", 10))
        counts = Counter(v for doc in docs for v in dict.fromkeys(_values(doc, field)))
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        buckets = []
        for key, count in ordered[:size]:
            bucket: dict[str, Any] = {"key": key, "doc_count": count}
            if nested:
                inside = [d for d in docs if key in _values(d, field)]
                bucket.update(aggregate(nested, inside))
            buckets.append(bucket)
        result[name] = {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": sum(c for _, c in ordered[size:]),
            "buckets": buckets,
        }
    return result


def filter_source(source: Source, includes: Any) -> Source | None:
    """Apply a request's `_source` (false, true, or a list of fields) to a stored source."""
    if includes is False:
        return None
    if includes is True or includes is None:
        return source
    wanted = [includes] if isinstance(includes, str) else list(includes)
    return {k: v for k, v in source.items() if k in wanted}
