"""Fenced examples in the project's Markdown: which run, how, and which are marked not to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
SHELL = frozenset({"bash", "sh", "shell"})
GRAPHQL = frozenset({"graphql"})
# `<!-- not-run: why -->` on the line(s) before a fence keeps it out of the runs, said openly.
NOT_RUN = re.compile(r"<!--\s*not-run:\s*(?P<why>.+?)\s*-->", re.DOTALL)
# A GraphQL example names its caller in its first line: `# token: $HOUSING_ADMIN_TOKEN`.
TOKEN_LINE = re.compile(r"^\s*#\s*token:\s*\$(?P<name>[A-Z][A-Z0-9_]*)\s*$", re.MULTILINE)


class UnlabelledBlockError(ValueError):
    """A fence without an info string: say what it is (`bash`, `graphql`, `text` ...)."""


@dataclass(frozen=True)
class Example:
    """One fenced block: where it is, its language, its text and why it is not run (if so)."""

    page: str
    line: int
    language: str
    text: str
    not_run: str | None

    @property
    def where(self) -> str:
        """`page:line`, for messages."""
        return f"{self.page}:{self.line}"

    @property
    def runs(self) -> bool:
        """Whether the example runner executes this block."""
        return self.not_run is None and self.language in SHELL | GRAPHQL

    def token_variable(self) -> str | None:
        """The variable named by a GraphQL example's `# token: $NAME` line, if any."""
        found = TOKEN_LINE.search(self.text)
        return found.group("name") if found else None


def doc_pages() -> list[Path]:
    """The README and every page under docs/, whoever wrote it."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples(page: Path, text: str | None = None) -> list[Example]:
    """Every fenced block of a page, in order; unlabelled fences are an error."""
    source = page.read_text(encoding="utf-8") if text is None else text
    name = page.relative_to(ROOT).as_posix() if page.is_relative_to(ROOT) else page.name
    tokens = MarkdownIt("commonmark").parse(source)
    found: list[Example] = []
    for index, token in enumerate(tokens):
        if token.type != "fence":
            continue
        line = (token.map[0] if token.map else 0) + 1
        language = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
        if not language:
            raise UnlabelledBlockError(
                f"{name}:{line}: a fenced block without a language; write ```bash, ```graphql,"
                " or ```text for a block that is not an example"
            )
        before = tokens[index - 1] if index else None
        marker = NOT_RUN.search(before.content) if before and before.type == "html_block" else None
        found.append(
            Example(
                page=name,
                line=line,
                language=language,
                text=token.content,
                not_run=marker.group("why") if marker else None,
            )
        )
    return found
