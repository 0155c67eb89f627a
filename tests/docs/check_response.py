"""Pass an HTTP answer through (stdin to stdout), failing on an empty body or a GraphQL error.

Used by the example runner's `curl` wrapper: a documented example must answer with data, not
with `errors`, a null `data`, or an error member of a mutation's result union.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def problem(body: str) -> str | None:
    """What is wrong with an answer, or None when it carries data."""
    if not body.strip():
        return "the answer is empty"
    try:
        document = json.loads(body)
    except ValueError:
        return None  # CSV, HTML or plain text: non-empty is all we can ask
    if isinstance(document, dict):
        if document.get("errors"):
            return f"GraphQL errors: {json.dumps(document['errors'])[:500]}"
        if "data" in document and not document["data"]:
            return "GraphQL answered no data"
    failed = _error_member(document.get("data") if isinstance(document, dict) else None)
    return f"an error result: {json.dumps(failed)[:500]}" if failed is not None else None


def _error_member(value: Any) -> Any:
    # Mutation results select `... on Error { code message }`; any object with both is one.
    if isinstance(value, dict):
        if "code" in value and "message" in value:
            return value
        for child in value.values():
            found = _error_member(child)
            if found is not None:
                return found
    if isinstance(value, list):
        for child in value:
            found = _error_member(child)
            if found is not None:
                return found
    return None


def main() -> int:
    """Copy stdin to stdout; exit 1 with a reason on stderr when the answer is not data."""
    body = sys.stdin.read()
    sys.stdout.write(body)
    reason = problem(body)
    if reason is not None:
        sys.stderr.write(f"example failed: {reason}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
