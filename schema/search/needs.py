"""`needMatches`: the needs whose English or Spanish names or synonyms match typed words."""

from __future__ import annotations

from typing import Annotated

import strawberry

from providers.need_words import match_needs


@strawberry.type(description="A need found for typed words.")
class NeedMatch:
    code: str = strawberry.field(description="The need code to search with, e.g. `childcare`.")
    label: str = strawberry.field(description="Its name in the language asked for.")
    exact: bool = strawberry.field(
        description="The words were one of its names or synonyms (not just a part of one)."
    )


@strawberry.type
class NeedMatchQuery:
    @strawberry.field(
        description=(
            "Needs matching typed words in English or Spanish, ignoring case and accents"
            " (`guardería` and `child care` find `childcare`), best first, at most 8."
        )
    )
    def need_matches(
        self,
        match: str,
        language: Annotated[
            str, strawberry.argument(description="`en` or `es`: the language of the labels.")
        ] = "en",
    ) -> list[NeedMatch]:
        return [
            NeedMatch(code=m.code, label=m.label, exact=m.exact)
            for m in match_needs(match, language if language in {"en", "es"} else "en")
        ]
