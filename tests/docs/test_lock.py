"""requirements.lock pins every dependency pyproject.toml names, and both installs use it."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.docs.markdown_examples import ROOT

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)", re.MULTILINE)


def _pins() -> dict[str, Version]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {
        canonicalize_name(m.group("name")): Version(m.group("version")) for m in _PIN.finditer(text)
    }


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [
        Requirement(r)
        for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]
    ]


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    pins = _pins()
    assert len(pins) > 50
    stale = [
        f"{req} (locked: {pins.get(canonicalize_name(req.name), 'missing')})"
        for req in _declared()
        if req.marker is None or req.marker.evaluate()
        if canonicalize_name(req.name) not in pins
        or not req.specifier.contains(pins[canonicalize_name(req.name)], prereleases=True)
    ]
    assert stale == [], "requirements.lock is stale: run scripts/lock and commit it"


def test_every_lock_line_carries_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[-1])
    pinned = [block for block in blocks if _PIN.match(block)]
    assert pinned
    assert all("--hash=sha256:" in block for block in pinned)


def test_readme_and_ci_install_the_lock_then_the_project_alone() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for text in (readme, ci):
        assert re.search(
            r"pip install [^\n]*--require-hashes[^\n]*\s+(\\\n\s*)?-r requirements\.lock", text
        )
        assert re.search(r"pip install [^\n]*--no-deps -e \.", text)
