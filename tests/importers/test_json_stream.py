"""HSDS JSON is parsed incrementally: big service lists in constant memory, broken tails located."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from importers.hsds_reader import read_json
from importers.report import ImportReport
from tests.importers.conftest import HSDS_EXAMPLES, Importer, table_counts

ORG = "1b9a04d7-9b4b-4f7e-8f35-1a2e0f3b7d21"


def service(i: int) -> dict[str, Any]:
    """One nested HSDS service with a phone and a long description."""
    return {
        "id": f"svc-{i}",
        "name": f"Service {i}",
        "description": "Food, rent help and job training. " * 20,
        "status": "active",
        "organization": {"id": ORG, "name": "Helping Hands", "description": "Many services"},
        "phones": [{"id": f"tel-{i}", "number": f"+1 510-555-{i % 10000:04d}"}],
    }


def write_list(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        for i in range(count):
            handle.write(("," if i else "") + json.dumps(service(i)) + "\n")
        handle.write("]\n")


def _peak_reading(path: Path) -> tuple[int, int]:
    """Services read from a JSON file and the peak of Python allocations while reading."""
    report = ImportReport("big")
    tracemalloc.start()
    try:
        services = sum(1 for record in read_json(path, report) if record.entity == "service")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not report.problems
    return services, peak


def test_a_large_service_list_is_read_in_constant_memory(tmp_path: Path) -> None:
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    write_list(small, 1500)
    write_list(large, 12000)
    assert large.stat().st_size > 10_000_000
    small_count, small_peak = _peak_reading(small)
    large_count, large_peak = _peak_reading(large)
    assert (small_count, large_count) == (1500, 12000)
    # Eight times the services, about the same memory (json.loads would hold it all at once).
    assert large_peak < small_peak * 1.5, (small_peak, large_peak)
    assert large_peak < large.stat().st_size / 5


def test_page_shape_and_bom_are_streamed(tmp_path: Path) -> None:
    page = json.loads((HSDS_EXAMPLES / "service_list.json").read_text(encoding="utf-8"))
    path = tmp_path / "page.json"
    path.write_text(json.dumps({**page, "contents": [service(1), service(2)]}), "utf-8-sig")
    report = ImportReport("page")
    records = list(read_json(path, report))
    assert [r.external_id for r in records if r.entity == "service"] == ["svc-1", "svc-2"]
    assert [r.origin.row for r in records if r.entity == "phone"] == [1, 2]


async def test_a_truncated_list_is_located_and_nothing_is_written(
    run: Importer, engine: AsyncEngine, tmp_path: Path
) -> None:
    path = tmp_path / "services.json"
    write_list(path, 50)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index('"svc-41"') + 20], encoding="utf-8")
    before = await table_counts(engine)

    report = await run(lambda r: read_json(path, r), skip_invalid=True)

    assert report.failed
    assert not report.committed
    problem = report.problems[-1]
    assert (problem.file, problem.row) == ("services.json", 42)
    assert "after record 41" in problem.reason
    assert await table_counts(engine) == before


async def test_a_bracket_bomb_is_refused_at_once(
    run: Importer, engine: AsyncEngine, tmp_path: Path
) -> None:
    # 400 KB of nested brackets once cost 22.8 GB (ijson keeps a dotted path per level).
    bomb = tmp_path / "bomb.json"
    bomb.write_text("[" * 400_000 + "]" * 400_000, encoding="utf-8")
    before = await table_counts(engine)
    tracemalloc.start()
    report = await run(lambda r: read_json(bomb, r))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.failed
    assert (report.problems[0].file, report.problems[0].row) == ("bomb.json", 1)
    assert "nested more than 32 levels deep" in report.problems[0].reason
    assert peak < 5_000_000
    assert await table_counts(engine) == before


async def test_a_huge_record_is_refused_with_its_position(run: Importer, tmp_path: Path) -> None:
    big = tmp_path / "services.json"
    phones = [{"id": f"p{i}", "number": "+1 510-555-0100"} for i in range(70_000)]
    huge = {**service(2), "phones": phones}
    big.write_text(json.dumps([service(1), huge]), encoding="utf-8")
    report = await run(lambda r: read_json(big, r))
    assert report.failed
    assert report.problems[-1].row == 2
    assert "more than 200,000 values" in report.problems[-1].reason
