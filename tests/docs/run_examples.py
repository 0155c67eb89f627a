"""Run a page's examples against a demo hub: shell blocks as one bash session, GraphQL by POST."""

from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.docs.check_response import problem
from tests.docs.demo_hub import DemoHub
from tests.docs.markdown_examples import GRAPHQL, SHELL, Example

CHECKER = Path(__file__).with_name("check_response.py")
_MARK = "@@example "
_DONE = "@@examples-done"

# Every curl in an example must succeed (HTTP 2xx) and answer with data (check_response.py).
_PREAMBLE = """set -euo pipefail
curl() {
  local body status=0 to_file=false arg
  for arg in "$@"; do case "$arg" in -o|--output|-O|--remote-name) to_file=true;; esac; done
  body=$(command curl --fail-with-body --silent --show-error "$@") || status=$?
  if [ "$status" -ne 0 ]; then
    printf '%s\\n' "$body" >&2
    echo "example failed: curl exited $status" >&2
    return "$status"
  fi
  if [ "$to_file" = true ]; then printf '%s' "$body"; return 0; fi
  printf '%s\\n' "$body" | {python} {checker}
}
"""


class ExampleFailedError(AssertionError):
    """An example did not run cleanly; the message says which and shows its output."""


@dataclass
class PageRun:
    """What ran of one page."""

    shell: list[Example] = field(default_factory=list)
    graphql: list[Example] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many examples ran to completion."""
        return len(self.shell) + len(self.graphql)


def run_page(hub: DemoHub, page_examples: list[Example]) -> PageRun:
    """Run every runnable example of a page; raise ExampleFailedError on the first failure."""
    ran = PageRun()
    runnable = [example for example in page_examples if example.runs]
    shell = [example for example in runnable if example.language in SHELL]
    if shell:
        _run_shell(hub, shell)
        ran.shell = shell
    for example in runnable:
        if example.language in GRAPHQL:
            _run_graphql(hub, example)
            ran.graphql.append(example)
    return ran


def _script(hub: DemoHub, blocks: list[Example]) -> str:
    parts = [
        _PREAMBLE.replace("{python}", shlex.quote(sys.executable)).replace(
            "{checker}", shlex.quote(str(CHECKER))
        )
    ]
    for number, block in enumerate(blocks):
        parts.append(f"echo {shlex.quote(_MARK + str(number))} >&2")
        parts.append(hub.localize(block.text))
    parts.append(f"echo {_DONE} >&2")
    return "\n".join(parts) + "\n"


def _run_shell(hub: DemoHub, blocks: list[Example]) -> None:
    env = {**hub.env, **hub.tokens}
    done = subprocess.run(
        ["bash", "-c", _script(hub, blocks)],
        cwd=hub.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    started = [line for line in done.stderr.splitlines() if line.startswith(_MARK)]
    if done.returncode == 0 and done.stderr.rstrip().endswith(_DONE):
        return
    failed = blocks[int(started[-1][len(_MARK) :])] if started else blocks[0]
    raise ExampleFailedError(
        f"example at {failed.where} failed (exit {done.returncode}):\n{failed.text}\n"
        f"--- stdout (end) ---\n{done.stdout[-3000:]}\n--- stderr (end) ---\n{done.stderr[-3000:]}"
    )


def _run_graphql(hub: DemoHub, example: Example) -> None:
    headers = {}
    variable = example.token_variable()
    if variable is not None:
        if variable not in hub.tokens:
            raise ExampleFailedError(f"{example.where}: no demo token is called ${variable}")
        headers["Authorization"] = f"Bearer {hub.tokens[variable]}"
    response = httpx.post(
        f"{hub.base_url}/graphql", json={"query": example.text}, headers=headers, timeout=60
    )
    reason = (
        f"HTTP {response.status_code}" if response.status_code != 200 else problem(response.text)
    )
    if reason is not None:
        raise ExampleFailedError(
            f"GraphQL example at {example.where} failed: {reason}\n{example.text}\n"
            f"--- answer ---\n{response.text[:3000]}"
        )
