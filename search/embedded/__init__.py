"""The embedded search backend: SQLite FTS5 + R*Tree in its own file, no server needed."""

from search.embedded.backend import EmbeddedBackend

__all__ = ["EmbeddedBackend"]
