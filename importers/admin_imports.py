"""Imports started by a hub admin (the console's `/admin/imports`): checked, dry run, applied.

The same readers and `run_import` as `hub import`, behind the hub-admin check. An upload is one
file: an HSDS package as a .zip (CSVs, datapackage.json optional) or HSDS JSON; a 211 iCarol
CSV; or a CSV (or a .zip of CSVs) read through a mapping of importers/mappings/ chosen by name.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from hub.core.clock import Clock
from hub.core.db import SessionFactory
from hub.core.errors import ErrorCode, FieldError, ValidationFailed
from hub.identity.principal import Principal
from importers.crosswalk import MAPPINGS_DIR, Crosswalk
from importers.hsds_reader import read_json, read_package
from importers.icarol import read_icarol
from importers.mapped_csv import MappingError, load_mapping, read_mapped
from importers.records import Record
from importers.report import ImportReport
from importers.run import run_import
from providers.geocoding import Geocoder

# Mapping files that are cross-walks of codes to needs, not column mappings.
_CROSSWALKS = frozenset({"airs_to_needs"})
# A zip may expand to at most this many bytes (a zip bomb is refused before it is written).
MAX_UNZIPPED_BYTES = 1_000_000_000
MAX_SOURCE_LENGTH = 100


class ImportKind(StrEnum):
    """What an uploaded file holds."""

    HSDS = "hsds"
    ICAROL = "icarol"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """One upload to import: the file, its kind, the source name and options."""

    path: Path
    kind: ImportKind
    source: str
    mapping: str = ""
    skip_invalid: bool = False
    complete: bool = False


def mapping_names() -> list[str]:
    """The column mappings an admin may choose (file stems under importers/mappings/)."""
    return sorted(
        p.stem
        for p in MAPPINGS_DIR.iterdir()
        if p.suffix in {".yaml", ".yml", ".json"} and p.stem not in _CROSSWALKS
    )


def importable_mappings(*, actor: Principal) -> list[str]:
    """For the import form: the mappings to choose from; hub admins only."""
    actor.require_hub_admin()
    return mapping_names()


def default_source(kind: ImportKind, mapping: str = "") -> str:
    """The source name `hub import` uses when none is given."""
    return {ImportKind.HSDS: "hsds", ImportKind.ICAROL: "211"}.get(kind, f"csv:{mapping}")


def check_plan(
    *, actor: Principal, kind: str, source: str, mapping: str = ""
) -> tuple[ImportKind, str, str]:
    """Check the form's choices before anything is stored: (kind, source, mapping)."""
    actor.require_hub_admin()
    errors: list[FieldError] = []
    try:
        chosen = ImportKind(kind)
    except ValueError:
        message = "Choose what the file holds."
        raise ValidationFailed([FieldError("kind", ErrorCode.INVALID_CHOICE, message)]) from None
    if chosen is ImportKind.CSV and mapping not in mapping_names():
        errors.append(
            FieldError("mapping", ErrorCode.INVALID_CHOICE, "Choose a mapping from the list.")
        )
    name = source.strip() or default_source(chosen, mapping)
    if len(name) > MAX_SOURCE_LENGTH or not name.isprintable():
        errors.append(
            FieldError(
                "source", ErrorCode.INVALID, "Use a source name of at most 100 plain characters."
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return chosen, name, mapping if chosen is ImportKind.CSV else ""


def _sniff(path: Path) -> str:
    with path.open("rb") as stream:
        head = stream.read(4096)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if stripped[:1] in (b"{", b"["):
        return "json"
    if b"\x00" in head:
        return "binary"
    return "csv"


def _wrong(message: str) -> ValidationFailed:
    return ValidationFailed([FieldError("file", ErrorCode.INVALID, message)])


def _unzip(path: Path) -> Path:
    """Unpack a zip beside it; returns the folder with its CSV files."""
    target = path.with_name(path.name + ".d")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                raise _wrong("The zip expands to more than 1 GB.")
            for member in members:
                name = PurePosixPath(member.filename)
                if name.is_absolute() or ".." in name.parts or "__MACOSX" in name.parts:
                    continue  # never outside the folder; macOS resource forks are noise
                out = target.joinpath(*name.parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, out.open("wb") as sink:
                    while chunk := source.read(1 << 20):
                        sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise _wrong("The zip file cannot be read.") from exc
    folders = sorted({p.parent for p in target.rglob("*.csv")}, key=lambda p: len(p.parts))
    if not folders:
        raise _wrong("The zip holds no CSV files: it is not a data package.")
    return folders[0]


def _reader(
    plan: ImportPlan,
) -> tuple[Callable[[ImportReport], Iterable[Record]], Crosswalk | None]:
    shape = _sniff(plan.path)
    if shape == "empty":
        raise ValidationFailed([FieldError("file", ErrorCode.REQUIRED, "The file is empty.")])
    if plan.kind is ImportKind.HSDS:
        if shape == "json":
            return (lambda r: read_json(plan.path, r)), None
        if shape == "zip":
            folder = _unzip(plan.path)
            return (lambda r: read_package(folder, r)), None
        raise _wrong("An HSDS upload is a data package as a .zip, or a .json file.")
    if plan.kind is ImportKind.ICAROL:
        if shape != "csv":
            raise _wrong("A 211 iCarol export is one CSV file.")
        walk = Crosswalk.from_file(MAPPINGS_DIR / "airs_to_needs.yaml")
        return (lambda r: read_icarol(plan.path, r)), walk
    if shape not in ("csv", "zip"):
        raise _wrong("A mapped upload is a CSV file, or a .zip of CSV files.")
    files = plan.path if shape == "csv" else _unzip(plan.path)
    try:
        rules = load_mapping(_mapping_file(plan.mapping))
    except (MappingError, OSError, ValueError) as exc:
        raise ValidationFailed(
            [FieldError("mapping", ErrorCode.INVALID_CHOICE, "The mapping cannot be used.")]
        ) from exc
    return (lambda r: read_mapped(files, rules, r)), None


def _mapping_file(name: str) -> Path:
    if name not in mapping_names():
        raise ValidationFailed(
            [FieldError("mapping", ErrorCode.INVALID_CHOICE, "Choose a mapping from the list.")]
        )
    return next(p for p in MAPPINGS_DIR.iterdir() if p.stem == name)


async def run_admin_import(
    plan: ImportPlan,
    *,
    actor: Principal,
    session_factory: SessionFactory,
    clock: Clock,
    dry_run: bool,
    geocoder: Geocoder | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Dry-run or apply one upload for a hub admin; `ValidationFailed` for an unusable file."""
    actor.require_hub_admin()
    reader, walk = _reader(plan)
    report = ImportReport(
        plan.source, dry_run=dry_run, skip_invalid=plan.skip_invalid, complete=plan.complete
    )
    return await run_import(
        reader(report),
        session_factory=session_factory,
        report=report,
        clock=clock,
        actor_name=f"import:{plan.source}",
        geocoder=None if dry_run else geocoder,
        crosswalk=walk,
        on_progress=on_progress,
    )
