"""Reading text inputs safely: encoding detection and streaming CSV rows with precise positions."""

from __future__ import annotations

import codecs
import csv
import sys
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from importers.report import ImportReport, Origin

_SAMPLE = 1 << 20
_CHUNK = 1 << 16
csv.field_size_limit(min(sys.maxsize, 1 << 27))


class UnreadableFileError(Exception):
    """A file that cannot be decoded as text."""


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """Tell UTF-8 (with or without BOM), UTF-16 with BOM and cp1252-style legacy encodings apart."""
    with path.open("rb") as handle:
        head = handle.read(_SAMPLE)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise UnreadableFileError("contains NUL bytes: not a text file (UTF-16 without a BOM?)")
    if _decodes(path, "utf-8"):
        return "utf-8"
    best = from_bytes(head).best()
    candidates = [best.encoding] if best is not None else []
    for encoding in [*candidates, "cp1252"]:
        if _decodes(path, encoding):
            return "cp1252" if encoding in ("windows_1252", "cp1252") else encoding
    raise UnreadableFileError("is neither UTF-8 nor a single-byte encoding such as cp1252")


def csv_rows(
    path: Path,
    report: ImportReport,
    *,
    required: tuple[str, ...] = (),
    label: str | None = None,
) -> Iterator[tuple[Origin, dict[str, str]]]:
    """Stream a CSV file as (origin, row) pairs; report unreadable, short and truncated rows."""
    name = label or path.name
    try:
        encoding = detect_encoding(path)
    except UnreadableFileError as exc:
        report.fatal(Origin(name, 0), "", f"file {exc}")
        return
    except OSError as exc:
        report.fatal(Origin(name, 0), "", f"cannot read file: {exc.strerror}")
        return
    if encoding not in ("utf-8", "utf-8-sig"):
        report.notes.append(f"{name}: read as {encoding}")
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            report.fatal(Origin(name, 1), "", f"unreadable header: {exc}")
            return
        if not header:
            report.fatal(Origin(name, 1), "", "file is empty (no header row)")
            return
        header = [column.strip() for column in header]
        missing = [column for column in required if column not in header]
        for column in missing:
            report.fatal(Origin(name, 1), column, "required column is missing")
        if missing:
            return
        line = reader.line_num
        width = len(header)
        while True:
            start = line + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                report.fatal(Origin(name, start), "", f"malformed or truncated row: {exc}")
                return
            line = reader.line_num
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if len(values) < width:
                report.problem(
                    Origin(name, start),
                    header[len(values)],
                    f"row has {len(values)} of {width} columns (truncated file?)",
                )
                continue
            yield Origin(name, start), dict(zip(header, values, strict=False))
