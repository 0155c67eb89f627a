"""`hub import` and `hub export`: summaries, refusals, exit codes and clear argument errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from hub.cli import app
from hub.cli.common import EXIT_USAGE
from importers.crosswalk import MAPPINGS_DIR
from tests.importers.conftest import FLORIDA, HSDS_EXAMPLES, ICAROL_SAMPLE

runner = CliRunner()


def hub(database_url: str, data_dir: Path, *args: str) -> Result:
    """Run `hub ARGS` in-process against the test database."""
    env = {"HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(data_dir)}
    return runner.invoke(app, list(args), env=env)


def said(result: Result) -> str:
    """Everything printed, rich's wrapping undone."""
    return " ".join(result.output.replace("│", " ").split())


def test_icarol_import_summary_then_unchanged(database_url: str, tmp_path: Path) -> None:
    first = hub(database_url, tmp_path, "import", "icarol", str(ICAROL_SAMPLE), "--no-geocode")
    assert first.exit_code == 0, first.output
    assert "Import of '211'" in said(first)
    assert "Imported." in said(first)
    again = hub(
        database_url, tmp_path, "import", "icarol", str(ICAROL_SAMPLE), "--no-geocode", "--json"
    )
    assert again.exit_code == 0
    report = json.loads(again.stdout)
    assert report["counts"]["service"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 5,
        "skipped": 0,
        "deactivated": 0,
        "deferred": 0,
    }


def test_refused_import_exits_2_with_the_problem_table(database_url: str, tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "organizations.csv").write_text("id,name,description\no1,Org,\n", encoding="utf-8")
    (package / "services.csv").write_text(
        "id,organization_id,name,status\ns1,o1,Food,bogus\n", encoding="utf-8"
    )
    result = hub(database_url, tmp_path, "import", "hsds", str(package))
    assert result.exit_code == EXIT_USAGE
    assert "'bogus' is not one of" in said(result)
    assert "Import refused: nothing was written." in said(result)


def test_official_package_imports_with_its_warnings_shown(
    database_url: str, tmp_path: Path
) -> None:
    result = hub(
        database_url, tmp_path, "import", "hsds", str(HSDS_EXAMPLES / "csv"), "--no-geocode"
    )
    assert result.exit_code == 0, result.output
    assert "warning(s) (imported anyway)" in said(result)
    assert "outside -90..90; left out" in said(result)
    assert "Imported." in said(result)


def test_every_official_json_example_exits_0_with_its_warnings(
    database_url: str, tmp_path: Path
) -> None:
    for example in sorted(HSDS_EXAMPLES.glob("*.json")):
        result = hub(database_url, tmp_path, "import", "hsds", str(example), "--no-geocode")
        assert result.exit_code == 0, (example.name, result.output)
        assert "Imported." in said(result), example.name
    service_full = hub(
        database_url,
        tmp_path,
        "import",
        "hsds",
        str(HSDS_EXAMPLES / "service_full.json"),
        "--no-geocode",
        "--json",
    )
    assert {w["field"] for w in json.loads(service_full.stdout)["warnings"]} == {
        "latitude",
        "parent_id",
        "parent_organization_id",
    }


def test_dry_run_and_mapped_csv(database_url: str, tmp_path: Path) -> None:
    mapping = MAPPINGS_DIR / "florida_legal_aid.yaml"
    result = hub(
        database_url,
        tmp_path,
        "import",
        "csv",
        str(FLORIDA),
        "--mapping",
        str(mapping),
        "--dry-run",
        "--skip-invalid",
        "--no-geocode",
    )
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written." in said(result)


def test_bad_arguments_are_explained(database_url: str, tmp_path: Path) -> None:
    missing = hub(database_url, tmp_path, "import", "icarol", str(tmp_path / "nope.csv"))
    assert missing.exit_code == EXIT_USAGE
    assert "does not exist" in said(missing)
    no_mapping = hub(database_url, tmp_path, "import", "csv", str(FLORIDA))
    assert no_mapping.exit_code == EXIT_USAGE
    assert "--mapping" in said(no_mapping)
    bad = tmp_path / "bad.yaml"
    bad.write_text("services: [1, 2]\n", encoding="utf-8")
    bad_mapping = hub(database_url, tmp_path, "import", "csv", str(FLORIDA), "--mapping", str(bad))
    assert bad_mapping.exit_code == EXIT_USAGE
    assert "bad mapping" in said(bad_mapping)


def test_export_both_formats(database_url: str, tmp_path: Path) -> None:
    assert (
        hub(
            database_url, tmp_path, "import", "icarol", str(ICAROL_SAMPLE), "--no-geocode"
        ).exit_code
        == 0
    )
    package = hub(database_url, tmp_path, "export", "hsds", str(tmp_path / "out"))
    assert package.exit_code == 0, package.output
    assert (tmp_path / "out" / "datapackage.json").is_file()
    as_json = hub(
        database_url, tmp_path, "export", "hsds", str(tmp_path / "out"), "--format", "json"
    )
    assert as_json.exit_code == 0
    services = json.loads((tmp_path / "out" / "services.json").read_text(encoding="utf-8"))
    assert len(services) == 5


def test_icarol_reimport_is_complete_unless_partial(database_url: str, tmp_path: Path) -> None:
    first = hub(database_url, tmp_path, "import", "icarol", str(ICAROL_SAMPLE), "--no-geocode")
    assert first.exit_code == 0, first.output
    lines = ICAROL_SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    reduced = tmp_path / "reduced.csv"
    reduced.write_text("".join(x for x in lines if not x.startswith("70021,")), encoding="utf-8")
    args = ("import", "icarol", str(reduced), "--no-geocode", "--json")

    partial = hub(database_url, tmp_path, *args, "--partial")
    assert partial.exit_code == 0, partial.output
    assert json.loads(partial.stdout)["counts"]["service"]["deactivated"] == 0

    complete = hub(database_url, tmp_path, *args)
    assert complete.exit_code == 0, complete.output
    report = json.loads(complete.stdout)
    assert report["complete"] is True
    # The dropped program is deactivated (its agency now gets a general service instead).
    assert report["counts"]["service"]["deactivated"] == 1


def test_the_summary_is_never_cut_on_a_narrow_terminal(database_url: str, tmp_path: Path) -> None:
    env = {"HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(tmp_path), "COLUMNS": "80"}
    example = HSDS_EXAMPLES / "service_full.json"
    result = runner.invoke(app, ["import", "hsds", str(example), "--no-geocode"], env=env)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output  # headings and names fold instead of ending in an ellipsis
    assert "organization_identifier" in result.output  # the longest entity name, whole
