"""axe-core in the page under test: serious and critical violations fail; counts are reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


@dataclass
class AxeLedger:
    """Every page checked in this test session, with its violation counts by impact."""

    pages: list[tuple[str, dict[str, int]]] = field(default_factory=list)

    def summary(self) -> list[str]:
        """Lines for the terminal summary: one per page, then the totals."""
        lines = [
            f"axe {name}: "
            + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no violations")
            for name, counts in self.pages
        ]
        blocking = sum(c.get(k, 0) for _, c in self.pages for k in BLOCKING)
        lines.append(f"axe: {len(self.pages)} page views checked, {blocking} serious or critical")
        return lines


LEDGER = AxeLedger()


def check_axe(page: Page, name: str) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.x A/AA rules) on the page; fail on serious or critical findings."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'best-practice']},
                resultTypes: ['violations'],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
            }));
        }"""
    )
    counts: dict[str, int] = {}
    for violation in found:
        impact = violation["impact"] or "unknown"
        counts[impact] = counts.get(impact, 0) + 1
    LEDGER.pages.append((name, counts))
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, f"axe found serious/critical violations on {name}: {blocking}"
    return found
