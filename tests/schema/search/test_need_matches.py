"""needMatches over HTTP: typed words in English or Spanish to need codes, labels per language."""

from __future__ import annotations

from tests.schema.conftest import GQL

QUERY = """query($match: String!, $language: String!) {
  needMatches(match: $match, language: $language) { code label exact } }"""


async def test_typed_words_in_either_language_find_need_codes(gql: GQL) -> None:
    spanish = await gql(QUERY, {"match": "guardería", "language": "es"})
    assert spanish["data"]["needMatches"][0] == {
        "code": "childcare",
        "label": "Cuidado infantil",
        "exact": True,
    }
    english = await gql(QUERY, {"match": "child care", "language": "en"})
    assert english["data"]["needMatches"][0]["label"] == "Childcare"
    several = await gql(QUERY, {"match": "rent", "language": "xx"})
    codes = [m["code"] for m in several["data"]["needMatches"]]
    assert codes[0] == "housing.rent_assistance"
    assert len(codes) <= 8
    nothing = await gql(QUERY, {"match": "zzzz", "language": "en"})
    assert nothing["data"]["needMatches"] == []
