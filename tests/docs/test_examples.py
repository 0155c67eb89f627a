"""Every GraphQL, curl and `hub` example in README.md and docs/*.md runs against `hub demo`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.check_response import problem
from tests.docs.demo_hub import DemoHub, demo_hub, demo_tokens, token_variable
from tests.docs.markdown_examples import ROOT, UnlabelledBlockError, doc_pages, examples
from tests.docs.run_examples import ExampleFailedError, run_page

PAGES = doc_pages()
# Pages a newcomer starts from: emptied or all marked not-run, they must fail here.
LEAST_EXAMPLES = {"README.md": 2, "docs/cookbook.md": 10}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoHub]:
    """One demo network served for every page (examples run in page order)."""
    with demo_hub(tmp_path_factory.mktemp("docs-hub")) as served:
        yield served


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_examples_of_the_page_run(hub: DemoHub, page: Path) -> None:
    found = examples(page)
    ran = run_page(hub, found)
    expected = [example for example in found if example.runs]
    assert ran.count == len(expected)
    name = page.relative_to(ROOT).as_posix()
    assert ran.count >= LEAST_EXAMPLES.get(name, 0), f"{name} lost its runnable examples"


def test_the_newcomer_pages_exist_and_nothing_else_is_counted_twice() -> None:
    names = [page.relative_to(ROOT).as_posix() for page in PAGES]
    assert set(LEAST_EXAMPLES) <= set(names)
    assert len(names) == len(set(names))


def _page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return page


def test_a_failing_example_fails_and_names_its_line(hub: DemoHub, tmp_path: Path) -> None:
    text = "# T\n\n```bash\nhub --help >/dev/null\n```\n\n```sh\nhub no-such-command\n```\n"
    with pytest.raises(ExampleFailedError, match=r"page\.md:7"):
        run_page(hub, examples(_page(tmp_path, text)))


def test_a_curl_answering_a_graphql_error_fails(hub: DemoHub, tmp_path: Path) -> None:
    text = (
        "```bash\ncurl -s -G http://127.0.0.1:8000/graphql"
        " --data-urlencode 'query={ nosuchfield }'\n```\n"
    )
    with pytest.raises(ExampleFailedError, match=r"curl exited|GraphQL errors"):
        run_page(hub, examples(_page(tmp_path, text)))


def test_graphql_examples_run_as_the_named_user(hub: DemoHub, tmp_path: Path) -> None:
    signed_in = "```graphql\n# token: $BOARD_AUDITOR_TOKEN\n{ me { isAuditor } }\n```\n"
    assert run_page(hub, examples(_page(tmp_path, signed_in))).count == 1
    anonymous = "```graphql\n{ referrals(first: 1) { edges { node { id } } } }\n```\n"
    with pytest.raises(ExampleFailedError, match=r"HTTP 401|GraphQL errors"):
        run_page(hub, examples(_page(tmp_path, anonymous)))
    unknown = "```graphql\n# token: $NOBODY_TOKEN\n{ me { name } }\n```\n"
    with pytest.raises(ExampleFailedError, match="NOBODY_TOKEN"):
        run_page(hub, examples(_page(tmp_path, unknown)))


def test_marked_and_illustrative_blocks_are_not_run(hub: DemoHub, tmp_path: Path) -> None:
    text = (
        "<!-- not-run: starts a server -->\n```bash\nexit 1\n```\n\n"
        "```text\nexit 1\n```\n\n```json\n{}\n```\n\n```bash\ntrue\n```\n"
    )
    found = examples(_page(tmp_path, text))
    assert [(e.language, e.not_run) for e in found] == [
        ("bash", "starts a server"),
        ("text", None),
        ("json", None),
        ("bash", None),
    ]
    assert run_page(hub, found).count == 1


def test_an_unlabelled_fence_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnlabelledBlockError, match=r"page\.md:3"):
        examples(_page(tmp_path, "# T\n\n```\nhub demo\n```\n"))


def test_demo_tokens_follow_the_documented_names() -> None:
    out = (
        "hub_admin  admin@demo.example.org\n           hub_aaa\n"
        "org_staff  coach.alameda@demo.example.org at Oakland Career Center\n"
        "           hub_bbb\n"
    )
    assert demo_tokens(out) == {
        "ADMIN_TOKEN": "hub_aaa",
        "COACH_ALAMEDA_TOKEN": "hub_bbb",
        "TOKEN": "hub_bbb",
    }
    assert token_variable("board.auditor@demo.example.org") == "BOARD_AUDITOR_TOKEN"


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ('{"data": {"services": {"edges": []}}}', True),
        ("receiver,sent\nTOTAL,12\n", True),
        ("", False),
        ('{"data": null, "errors": [{"message": "x"}]}', False),
        ('{"data": {"me": null}}', True),
        ('{"data": null}', False),
        ('{"data": {"referralSend": {"code": "CONFLICT", "message": "stale"}}}', False),
    ],
)
def test_answers_must_carry_data(body: str, ok: bool) -> None:
    assert (problem(body) is None) is ok
