"""`hub schema`: print the GraphQL schema (SDL), as committed in `schema.graphql`."""

from __future__ import annotations

from schema.export import sdl


def schema() -> None:
    """Print the GraphQL schema in SDL to stdout."""
    print(sdl(), end="")
