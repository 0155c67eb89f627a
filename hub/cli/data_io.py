"""`hub import` (HSDS, 211 iCarol, mapped CSV) and `hub export hsds`, with progress and summary."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli.common import EXIT_USAGE, console, fail, load_settings, out, require_current, run
from hub.container import build_container
from importers.crosswalk import MAPPINGS_DIR, Crosswalk
from importers.export import ExportIssues, export_json, export_package
from importers.hsds_reader import read_json, read_package
from importers.icarol import read_icarol
from importers.mapped_csv import MappingError, load_mapping, read_mapped
from importers.records import Record
from importers.report import ImportReport
from importers.run import run_import

import_app = typer.Typer(
    help="Import directory data (HSDS, 211 iCarol, mapped spreadsheets).", no_args_is_help=True
)
export_app = typer.Typer(help="Export the directory in open formats.", no_args_is_help=True)

Source = Annotated[
    str | None,
    typer.Option(help="Name of the data source; re-imports of the same source update its records."),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Validate and count; write nothing.")]
SkipInvalid = Annotated[
    bool,
    typer.Option("--skip-invalid", help="Skip invalid records (reported) and import the rest."),
]
CrosswalkFile = Annotated[
    Path | None,
    typer.Option(
        "--crosswalk", exists=True, dir_okay=False, help="YAML cross-walk of source codes to needs."
    ),
]
NoGeocode = Annotated[bool, typer.Option("--no-geocode", help="Do not geocode locations.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout.")]
_COMPLETE_HELP = (
    "The input is the whole source: records an earlier import of the same --source brought in"
    " and this one lacks are deactivated (never deleted). --partial for an extract."
)
Complete = Annotated[bool, typer.Option("--complete/--partial", help=_COMPLETE_HELP)]
Reader = Callable[[ImportReport], Iterable[Record]]


def _import(
    reader: Reader,
    *,
    source: str,
    dry_run: bool,
    skip_invalid: bool,
    crosswalk: Path | None,
    geocode: bool,
    as_json: bool,
    complete: bool,
) -> None:
    settings = load_settings()
    require_current(settings)
    walk = None
    if crosswalk is not None:
        try:
            walk = Crosswalk.from_file(crosswalk)
        except (OSError, ValueError) as exc:
            fail(f"cannot read the cross-walk {crosswalk}: {exc}", EXIT_USAGE)
    report = ImportReport(source, dry_run=dry_run, skip_invalid=skip_invalid, complete=complete)

    async def go() -> None:
        container = build_container(settings)
        try:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed:,.0f} records"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as progress:
                task = progress.add_task(f"Importing {source}", total=None)
                await run_import(
                    reader(report),
                    session_factory=container.session_factory,
                    report=report,
                    clock=container.clock,
                    actor_name=f"import:{source}",
                    geocoder=container.geocoder if geocode else None,
                    crosswalk=walk,
                    on_progress=lambda n: progress.advance(task, n),
                )
        finally:
            await container.close()

    run(go())
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
    else:
        _summary(report)
    if report.failed:
        raise typer.Exit(EXIT_USAGE)


def _summary(report: ImportReport) -> None:
    table = Table(
        title=f"Import of {report.source!r}" + (" (dry run)" if report.dry_run else ""),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    columns = ("created", "updated", "unchanged", "skipped", "deactivated", "deferred")
    for column in ("entity", *columns):
        # Fold, never cut: on a narrow terminal a heading wraps instead of ending in "…".
        if column == "entity":  # HSDS names stay whole; the counts' headings fold
            width = max([len("total"), *(len(name) for name in report.counts)])
            table.add_column(column, no_wrap=True, min_width=width, max_width=width)
        else:
            table.add_column(column, justify="right", overflow="fold")
    for name, c in sorted(report.counts.items()):
        table.add_row(name, *(f"{getattr(c, column):,}" for column in columns))
    total = report.totals()
    table.add_row("[bold]total", *(f"[bold]{getattr(total, column):,}" for column in columns))
    console.print(table)
    for reason, count in report.skip_reasons.most_common():
        console.print(f"  skipped {count:,} x {reason}")
    for note in report.notes:
        console.print(f"  note: {note}")
    if report.geocoded or report.geocode_failed:
        console.print(f"  geocoded {report.geocoded:,}; not found {report.geocode_failed:,}")
    if report.problems:
        problems = Table(title=f"{report.problem_count:,} problem(s)")
        for column in ("file", "row", "field", "reason"):
            problems.add_column(column, overflow="fold")
        for p in report.problems[:50]:
            problems.add_row(p.file, str(p.row), p.field, p.reason)
        console.print(problems)
    if report.warnings:
        warnings = Table(title=f"{report.warning_count:,} warning(s) (imported anyway)")
        for column in ("file", "row", "field", "reason"):
            warnings.add_column(column, overflow="fold")
        for p in report.warnings[:50]:
            warnings.add_row(p.file, str(p.row), p.field, p.reason)
        console.print(warnings)
    if report.committed:
        console.print("[green]Imported.[/]")
    elif report.dry_run and not report.failed:
        console.print("[yellow]Dry run: nothing was written.[/]")
    else:
        console.print(
            "[bold red]Import refused: nothing was written.[/] Fix the problems above"
            " or use --skip-invalid."
        )


@import_app.command("hsds")
def import_hsds(
    path: Annotated[
        Path,
        typer.Argument(exists=True, help="Package directory, datapackage.json or HSDS JSON file."),
    ],
    source: Source = None,
    dry_run: DryRun = False,
    skip_invalid: SkipInvalid = False,
    crosswalk: CrosswalkFile = None,
    no_geocode: NoGeocode = False,
    as_json: AsJson = False,
    complete: Complete = True,
) -> None:
    """Import an HSDS 3.0 tabular data package or HSDS JSON (a list of services)."""
    if path.is_file() and path.name == "datapackage.json":
        path = path.parent
    if path.is_file() and path.suffix.lower() != ".json":
        fail(f"{path} is neither a package directory nor a .json file.", EXIT_USAGE)
    target = path
    reader: Reader = (
        (lambda r: read_json(target, r)) if path.is_file() else (lambda r: read_package(target, r))
    )
    _import(
        reader,
        source=source or "hsds",
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        crosswalk=crosswalk,
        geocode=not no_geocode,
        as_json=as_json,
        complete=complete,
    )


@import_app.command("icarol")
def import_icarol(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="iCarol CSV export.")],
    source: Source = None,
    dry_run: DryRun = False,
    skip_invalid: SkipInvalid = False,
    crosswalk: CrosswalkFile = None,
    no_geocode: NoGeocode = False,
    as_json: AsJson = False,
    complete: Complete = True,
) -> None:
    """Import a 211 iCarol / AIRS CSV export (AIRS codes cross-walked to needs by prefix)."""
    _import(
        lambda r: read_icarol(path, r),
        source=source or "211",
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        crosswalk=crosswalk or MAPPINGS_DIR / "airs_to_needs.yaml",
        geocode=not no_geocode,
        as_json=as_json,
        complete=complete,
    )


@import_app.command("csv")
def import_csv(
    path: Annotated[Path, typer.Argument(exists=True, help="A CSV file or a directory of them.")],
    mapping: Annotated[
        Path,
        typer.Option(
            exists=True, dir_okay=False, help="YAML/JSON mapping of columns to HSDS fields."
        ),
    ],
    source: Source = None,
    dry_run: DryRun = False,
    skip_invalid: SkipInvalid = False,
    crosswalk: CrosswalkFile = None,
    no_geocode: NoGeocode = False,
    as_json: AsJson = False,
    complete: Annotated[
        bool,
        typer.Option(
            "--complete/--partial",
            help=_COMPLETE_HELP + " Spreadsheets are often extracts: partial unless said.",
        ),
    ] = False,
) -> None:
    """Import any spreadsheet through a column mapping (see importers/mappings/)."""
    try:
        rules = load_mapping(mapping)
    except (MappingError, ValueError, OSError) as exc:
        fail(f"bad mapping: {exc}", EXIT_USAGE)
    _import(
        lambda r: read_mapped(path, rules, r),
        source=source or f"csv:{mapping.stem}",
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        crosswalk=crosswalk,
        geocode=not no_geocode,
        as_json=as_json,
        complete=complete,
    )


class ExportFormat(StrEnum):
    """What `hub export hsds` writes."""

    CSV = "csv"
    JSON = "json"


@export_app.command("hsds")
def export_hsds(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="Where to write the export.")],
    format_: Annotated[
        ExportFormat,
        typer.Option("--format", help="csv: tabular data package; json: services.json."),
    ] = ExportFormat.CSV,
    include_private: Annotated[
        bool,
        typer.Option(
            "--include-private", help="Also write private addresses and phones (not for sharing)."
        ),
    ] = False,
) -> None:
    """Export the directory as an HSDS 3.0 data package (or HSDS JSON)."""
    settings = load_settings()
    require_current(settings)

    async def go() -> str:
        container = build_container(settings)
        try:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed:,.0f} rows"),
                console=console,
                transient=True,
            ) as progress:
                task = progress.add_task("Exporting", total=None)
                tick = lambda n: progress.advance(task, n)  # noqa: E731
                if format_ is ExportFormat.JSON:
                    count = await export_json(
                        session_factory=container.session_factory,
                        path=directory / "services.json",
                        include_private=include_private,
                        on_progress=tick,
                    )
                    return f"{count:,} services -> {directory / 'services.json'}"
                issues = ExportIssues()
                counts = await export_package(
                    session_factory=container.session_factory,
                    directory=directory,
                    include_private=include_private,
                    on_progress=tick,
                    issues=issues,
                )
                # What the official descriptor would refuse was left out: say what, not values.
                left_out = "".join(f"\n  {line}" for line in issues.summary())
                total = sum(counts.values())
                return f"{total:,} rows in {len(counts)} files -> {directory}{left_out}"
        finally:
            await container.close()

    console.print(f"[green]Exported[/] {run(go())}")
