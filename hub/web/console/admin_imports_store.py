"""Uploads waiting for their import: a folder per upload under <data dir>/imports, never the DB.

Each folder holds the uploaded file (under data/, with a zip's unpacked files), `plan.json`
(kind, source, options, the session it is bound to) and the dry run's and the apply's reports.
Folders older than an hour are swept away; the uploaded data is deleted once applied.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile

from hub.core.errors import NotFound
from importers.admin_imports import ImportKind, ImportPlan

MAX_AGE_SECONDS = 3600
_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """What `plan.json` keeps: the import's choices and whose session it belongs to."""

    file_name: str
    kind: str
    source: str
    mapping: str
    skip_invalid: bool
    complete: bool
    owner: str
    created: float


def safe_file_name(name: str | None) -> str:
    """The upload's own name, reduced to a harmless base name (shown in the report's rows)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._")[:100]
    return cleaned or "upload"


class UploadStore:
    """The folders of pending uploads under one root."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, upload_id: str, owner: str) -> Path:
        """The folder of an upload of this session; anything else is simply not found."""
        if not _ID.match(upload_id):
            raise NotFound("Import", upload_id[:32])
        folder = self.root / upload_id
        try:
            plan = self.plan(folder)
        except (OSError, ValueError, TypeError):
            raise NotFound("Import", upload_id) from None
        if not secrets.compare_digest(plan.owner, owner):
            raise NotFound("Import", upload_id)
        if time.time() - plan.created > MAX_AGE_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
            raise NotFound("Import", upload_id)
        return folder

    async def save(self, upload: UploadFile, plan: StoredPlan) -> tuple[str, Path]:
        """Copy an upload into a new folder (in chunks); returns its id and the file's path."""
        self.root.mkdir(parents=True, exist_ok=True)
        upload_id = secrets.token_urlsafe(16)
        folder = self.root / upload_id
        folder.mkdir(mode=0o700)
        (folder / "data").mkdir()
        path = folder / "data" / plan.file_name
        with path.open("wb") as sink:
            while chunk := await upload.read(_CHUNK):
                sink.write(chunk)
        (folder / "plan.json").write_text(json.dumps(asdict(plan)), encoding="utf-8")
        return upload_id, path

    @staticmethod
    def plan(folder: Path) -> StoredPlan:
        """The stored choices of an upload."""
        return StoredPlan(**json.loads((folder / "plan.json").read_text(encoding="utf-8")))

    @staticmethod
    def import_plan(folder: Path) -> ImportPlan:
        """The domain's plan for the stored upload."""
        stored = UploadStore.plan(folder)
        return ImportPlan(
            folder / "data" / stored.file_name,
            ImportKind(stored.kind),
            stored.source,
            mapping=stored.mapping,
            skip_invalid=stored.skip_invalid,
            complete=stored.complete,
        )

    @staticmethod
    def write(folder: Path, name: str, data: dict[str, Any]) -> None:
        """Keep a report (`dry_run` or `result`) beside the upload."""
        (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")

    @staticmethod
    def read(folder: Path, name: str) -> dict[str, Any] | None:
        """A kept report, or None."""
        try:
            data = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    @staticmethod
    def drop_upload(folder: Path) -> None:
        """Delete the uploaded data once applied; the small reports stay for the result page."""
        shutil.rmtree(folder / "data", ignore_errors=True)

    @staticmethod
    def remove(folder: Path) -> None:
        """Delete an upload's folder (cancelled, refused)."""
        shutil.rmtree(folder, ignore_errors=True)

    def sweep(self, keep: str | None = None) -> None:
        """Delete folders older than an hour (but not the one being applied)."""
        if not self.root.is_dir():
            return
        limit = time.time() - MAX_AGE_SECONDS
        for folder in self.root.iterdir():
            if folder.name != keep and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
