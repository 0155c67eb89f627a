"""Reading text inputs safely: encoding detection and streaming CSV rows with precise positions."""

from __future__ import annotations

import codecs
import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from importers.report import ImportReport, Origin

_SAMPLE = 1 << 20
_CHUNK = 1 << 16
csv.field_size_limit(min(sys.maxsize, 1 << 27))


# Not a codec name: UTF-8 read with `surrogateescape`, rows with invalid bytes reported.
UTF8_WITH_ERRORS = "utf-8 with invalid bytes"
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH_BYTES = bytes(range(0x80, 0x100))
_ESCAPED = re.compile("[\udc80-\udcff]")  # invalid bytes, as surrogateescape decodes them


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


def _mostly_utf8(path: Path) -> bool:
    """More well-formed UTF-8 sequences than stray high bytes: UTF-8 with a few bad bytes.

    A legacy single-byte file (Latin-1, cp1252) almost never forms a valid multi-byte UTF-8
    sequence by accident, so its accented letters all count as stray bytes.
    """
    valid = stray = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_SAMPLE):
            sequences = sum(len(m) for m in _UTF8_SEQUENCE.findall(chunk))
            high = len(chunk) - len(chunk.translate(None, _HIGH_BYTES))
            valid += sequences
            stray += high - sequences
    return valid > 0 and valid >= 2 * stray


def detect_encoding(path: Path) -> str:
    """Tell UTF-8 (with or without BOM), UTF-16 with BOM and cp1252-style legacy encodings apart.

    `UTF8_WITH_ERRORS`: mostly UTF-8 with a few invalid bytes; read as UTF-8 and the rows
    holding them reported, rather than the whole file misread as a single-byte encoding.
    """
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
    if _mostly_utf8(path):
        return UTF8_WITH_ERRORS
    # Directory exports that are not UTF-8 are nearly always Windows-1252 (a superset of
    # Latin-1's letters). A statistical guess on a short text picks look-alikes (ISO-8859-2
    # turns "ñ" into "ń"), so it is asked only when cp1252 cannot decode the file.
    if _decodes(path, "cp1252"):
        return "cp1252"
    best = from_bytes(head).best()
    candidates = [best.encoding] if best is not None else []
    for encoding in [*candidates, "latin-1"]:
        if _decodes(path, encoding):
            return encoding
    raise UnreadableFileError("is neither UTF-8 nor a single-byte encoding such as cp1252")


def csv_rows(
    path: Path,
    report: ImportReport,
    *,
    required: tuple[str, ...] = (),
    label: str | None = None,
    quiet: bool = False,
) -> Iterator[tuple[Origin, dict[str, str]]]:
    """Stream a CSV file as (origin, row) pairs; report unreadable, short and truncated rows.

    Line endings may be LF, CRLF or old Mac CR. `quiet` leaves row problems unreported (a
    reader passing over the file again after reporting them once); bad rows are still skipped.
    """
    name = label or path.name
    try:
        encoding = detect_encoding(path)
    except UnreadableFileError as exc:
        report.fatal(Origin(name, 0), "", f"file {exc}")
        return
    except OSError as exc:
        report.fatal(Origin(name, 0), "", f"cannot read file: {exc.strerror}")
        return
    if encoding not in ("utf-8", "utf-8-sig") and f"encoding:{name}" not in report.notes_seen:
        report.notes_seen.add(f"encoding:{name}")
        report.notes.append(f"{name}: read as {encoding}")
    escaped = encoding == UTF8_WITH_ERRORS
    codec, errors = ("utf-8", "surrogateescape") if escaped else (encoding, "strict")
    with path.open(encoding=codec, errors=errors, newline="") as handle:
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
                if not quiet:
                    report.problem(
                        Origin(name, start),
                        header[len(values)],
                        f"row has {len(values)} of {width} columns (truncated file?)",
                    )
                continue
            if escaped:
                bad = next((i for i, v in enumerate(values) if _ESCAPED.search(v)), None)
                if bad is not None:
                    if not quiet:
                        column = header[bad] if bad < width else ""
                        report.problem(
                            Origin(name, start), column, "has bytes that are not valid UTF-8"
                        )
                    continue
            yield Origin(name, start), dict(zip(header, values, strict=False))
