"""Builds queries selecting every field reachable from each root query field (introspection)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

INTROSPECTION = """
query {
  __schema {
    queryType { name }
    types {
      name kind
      fields(includeDeprecated: true) {
        name args { name type { ...T } defaultValue } type { ...T }
      }
      inputFields { name type { ...T } defaultValue }
      enumValues { name }
      possibleTypes { name }
    }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""
MAX_DEPTH = 9


def unwrap(t: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The named type inside NON_NULL/LIST wrappers, and whether the outer type is non-null."""
    required = t["kind"] == "NON_NULL"
    while t.get("ofType"):
        t = t["ofType"]
    return t, required


@dataclass
class Schema:
    """Introspected types by name."""

    types: dict[str, dict[str, Any]]
    query: str

    @classmethod
    def load(cls, data: dict[str, Any]) -> Schema:
        """From an introspection result."""
        s = data["__schema"]
        return cls({t["name"]: t for t in s["types"]}, s["queryType"]["name"])

    def literal(self, t: dict[str, Any], scalars: dict[str, str], depth: int = 0) -> str | None:
        """A literal for a required argument or input field (None when it cannot be built)."""
        named, _ = unwrap(t)
        kind, name = named["kind"], named["name"]
        if kind == "SCALAR":
            return scalars.get(name)
        if kind == "ENUM":
            return str(self.types[name]["enumValues"][0]["name"])
        if kind == "INPUT_OBJECT" and depth < 4:
            parts = []
            for f in self.types[name]["inputFields"] or []:
                if f["type"]["kind"] == "NON_NULL" and f["defaultValue"] is None:
                    value = self.literal(f["type"], scalars, depth + 1)
                    if value is None:
                        return None
                    parts.append(f"{f['name']}: {value}")
            return "{" + ", ".join(parts) + "}"
        return None

    def selection(
        self,
        type_name: str,
        scalars: dict[str, str],
        path: tuple[str, ...] = (),
        alias: bool = False,
    ) -> str:
        """Every scalar field, and every object field not already on the path (cycles cut).

        Fields of union members are aliased by type, as their types may clash between members.
        """
        t = self.types[type_name]
        if t["kind"] in ("UNION", "INTERFACE"):
            fragments = [
                f"... on {p['name']} {self.selection(p['name'], scalars, path, alias=True)}"
                for p in t["possibleTypes"] or []
                if p["name"] not in path
            ]
            return "{ __typename " + " ".join(fragments) + " }"
        parts = ["__typename"]
        for field in t["fields"] or []:
            args = self._args(field, scalars)
            if args is None:
                continue
            named, _ = unwrap(field["type"])
            key = f"{type_name}_{field['name']}: {field['name']}" if alias else field["name"]
            if named["kind"] in ("SCALAR", "ENUM"):
                parts.append(key + args)
            elif named["name"] not in path and len(path) < MAX_DEPTH:
                inner = self.selection(named["name"], scalars, (*path, type_name))
                parts.append(key + args + " " + inner)
        return "{ " + " ".join(parts) + " }"

    def _args(self, field: dict[str, Any], scalars: dict[str, str]) -> str | None:
        values = []
        for arg in field["args"]:
            named, required = unwrap(arg["type"])
            if arg["name"] == "first" and named["name"] == "Int":
                values.append("first: 25")
            elif required and arg["defaultValue"] is None:
                value = self.literal(arg["type"], scalars)
                if value is None:
                    return None
                values.append(f"{arg['name']}: {value}")
        return "(" + ", ".join(values) + ")" if values else ""

    def root_queries(
        self, scalars: dict[str, str], ids: list[str], optional_ids: list[str]
    ) -> Iterator[tuple[str, str]]:
        """(root field, query) for every root query field.

        A required id argument tries every id of `ids`; optional ones try none and `optional_ids`.
        """
        for field in self.types[self.query]["fields"]:
            named, _ = unwrap(field["type"])
            inner = (
                ""
                if named["kind"] in ("SCALAR", "ENUM")
                else " " + self.selection(named["name"], scalars, (self.query,))
            )
            id_args = [a for a in field["args"] if unwrap(a["type"])[0]["name"] == "ID"]
            base: dict[str, str] = {}
            buildable = True
            for arg in field["args"]:
                arg_type, required = unwrap(arg["type"])
                if arg in id_args:
                    continue
                if arg["name"] == "first" and arg_type["name"] == "Int":
                    base["first"] = "25"
                elif required and arg["defaultValue"] is None:
                    value = self.literal(arg["type"], scalars)
                    buildable = buildable and value is not None
                    base[arg["name"]] = value or ""
            if not buildable:
                continue
            optional = all(a["type"]["kind"] != "NON_NULL" for a in id_args)
            candidates: list[str | None] = [None]
            if id_args:
                candidates = [None, *optional_ids] if optional else list(ids)
            for candidate in candidates:
                args = dict(base)
                for arg in id_args if candidate is not None else []:
                    listed = "LIST" in json.dumps(arg["type"])
                    value = json.dumps(candidate)
                    args[arg["name"]] = f"[{value}]" if listed else value
                text = ", ".join(f"{k}: {v}" for k, v in args.items())
                yield (
                    field["name"],
                    "query { " + field["name"] + (f"({text})" if text else "") + inner + " }",
                )
