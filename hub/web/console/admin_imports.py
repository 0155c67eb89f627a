"""`/admin/imports` for hub admins: upload a file, read the dry run's report, apply it.

The domain (`importers.admin_imports`) checks the role and runs the importer; this module keeps
the upload in a folder bound to the session (`admin_imports_store`) and applies it in a
background task, one at a time per process, whose progress page polls a fragment.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.errors import ValidationFailed
from hub.core.security import hash_token
from hub.identity.principal import Principal
from hub.web.console.admin import text
from hub.web.console.admin_imports_store import StoredPlan, UploadStore, safe_file_name
from hub.web.console.base import Console, Viewer, field_errors
from importers.admin_imports import check_plan, importable_mappings, run_admin_import

log = logging.getLogger(__name__)
PAGE_SIZE = 50
KINDS = (("hsds", "HSDS package (.zip) or HSDS JSON"), ("icarol", "211 iCarol export (CSV)"),
         ("csv", "Spreadsheet (CSV or .zip of CSVs) with a mapping"))  # fmt: skip


def _page_number(raw: str | None) -> int:
    return max(1, int(raw)) if raw and raw.isdigit() and len(raw) < 6 else 1


class ImportPages:
    """Upload, dry-run report, apply with progress, result."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.store = UploadStore(console.container.settings.data_dir / "imports")
        self._task: asyncio.Task[None] | None = None
        self._applying: str | None = None
        self._done = 0

    def _owner(self, viewer: Viewer) -> str:
        return hash_token(viewer.session_token or "")

    async def show_form(self, request: Request, viewer: Viewer) -> Response:
        """GET `/admin/imports`: the upload form."""
        done = request.query_params.get("done") == "cancelled"
        self.store.sweep(keep=self._applying)
        return self._form(viewer, {}, {}, 200, cancelled=done)

    def _form(
        self,
        viewer: Viewer,
        values: dict[str, str],
        errors: dict[str, str],
        status: int,
        *,
        cancelled: bool = False,
    ) -> Response:
        mappings = importable_mappings(actor=viewer.principal)
        _ = viewer.gettext
        return self.console.render(
            viewer,
            "console/admin/imports/index.html",
            title=_("Imports"),
            status=status,
            values=values,
            errors=errors,
            kinds=[(k, _(label)) for k, label in KINDS],
            mappings=[("", _("No mapping"))] + [(m, m) for m in mappings],
            cancelled=cancelled,
        )

    async def upload(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/imports`: store the file and run the dry run; then its report."""
        form = await self.console.form(request, viewer)
        try:
            return await self._upload(form, viewer)
        finally:
            await form.close()  # the spooled temporary file of the upload

    async def _upload(self, form: FormData, viewer: Viewer) -> Response:
        values = {k: text(form, k, 120) for k in ("kind", "source", "mapping")}
        values["skip_invalid"] = "yes" if text(form, "skip_invalid", 5) else ""
        values["complete"] = "yes" if text(form, "complete", 5) else ""
        try:
            kind, source, mapping = check_plan(
                actor=viewer.principal,
                kind=values["kind"],
                source=values["source"],
                mapping=values["mapping"],
            )
        except ValidationFailed as exc:
            return self._form(viewer, values, field_errors(exc, viewer.gettext), 400)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            message = viewer.gettext("Choose a file to upload.")
            return self._form(viewer, values, {"file": message}, 400)
        self.store.sweep(keep=self._applying)
        plan = StoredPlan(safe_file_name(upload.filename), kind.value, source, mapping,
                          bool(values["skip_invalid"]), bool(values["complete"]),
                          self._owner(viewer), time.time())  # fmt: skip
        upload_id, _path = await self.store.save(upload, plan)
        folder = self.store.root / upload_id
        container = self.console.container
        try:
            report = await run_admin_import(
                self.store.import_plan(folder),
                actor=viewer.principal,
                session_factory=container.session_factory,
                clock=container.clock,
                dry_run=True,
            )
        except ValidationFailed as exc:
            self.store.remove(folder)
            log.info("import upload refused")
            return self._form(viewer, values, field_errors(exc, viewer.gettext), 400)
        except BaseException:
            self.store.remove(folder)  # a server fault: keep no upload behind
            raise
        self.store.write(folder, "dry_run", report.as_dict())
        return self.console.redirect(viewer, f"/admin/imports/{upload_id}")

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """GET `/admin/imports/<id>`: the dry run's report, the progress, or the result."""
        importable_mappings(actor=viewer.principal)
        upload_id = str(request.path_params["id"])
        folder = self.store.folder(upload_id, self._owner(viewer))
        return self._report(request, viewer, upload_id, folder, 200)

    def _report(
        self, request: Request, viewer: Viewer, upload_id: str, folder: Path, status: int,
        busy: bool = False,
    ) -> Response:  # fmt: skip
        dry_run = self.store.read(folder, "dry_run") or {}
        result = self.store.read(folder, "result")
        running = self._applying == upload_id
        shown = result or dry_run
        issues = [("problem", p) for p in shown.get("problems", [])] + [
            ("warning", w) for w in shown.get("warnings", [])
        ]
        pages = max(1, math.ceil(len(issues) / PAGE_SIZE))
        page = min(_page_number(request.query_params.get("page")), pages)
        values: dict[str, Any] = {
            "upload_id": upload_id,
            "plan": self.store.plan(folder),
            "report": shown,
            "result": result,
            "running": running,
            "busy": busy,
            "done": self._done if running else 0,
            "expected": _expected(dry_run),
            "issues": issues[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "first_row": (page - 1) * PAGE_SIZE,
            "page": page,
            "pages": pages,
        }
        _ = viewer.gettext
        if running and request.headers.get("hx-request"):
            template = "console/admin/imports/_progress.html"
        else:
            template = "console/admin/imports/show.html"
        if result and not running and request.headers.get("hx-request"):
            # The fragment's poll found the import finished: the whole page shows the result.
            response = Response("", headers={"HX-Redirect": f"/admin/imports/{upload_id}"})
            self.console.finish(viewer, response)
            return response
        title = (
            _("Import result")
            if result
            else _("Import in progress")
            if running
            else _("Dry run report")
        )
        return self.console.render(viewer, template, title=title, status=status, **values)

    async def apply(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/imports/<id>/apply`: start applying in the background; show progress."""
        await self.console.form(request, viewer)
        importable_mappings(actor=viewer.principal)
        upload_id = str(request.path_params["id"])
        folder = self.store.folder(upload_id, self._owner(viewer))
        dry_run = self.store.read(folder, "dry_run") or {}
        if self.store.read(folder, "result") is not None or self._applying == upload_id:
            return self.console.redirect(viewer, f"/admin/imports/{upload_id}")
        if self._task is not None and not self._task.done():
            return self._report(request, viewer, upload_id, folder, 409, busy=True)
        if dry_run.get("failed", True):
            return self._report(request, viewer, upload_id, folder, 409)
        self._applying, self._done = upload_id, 0
        self._task = asyncio.create_task(self._apply(folder, viewer.principal))
        return self.console.redirect(viewer, f"/admin/imports/{upload_id}")

    async def _apply(self, folder: Path, actor: Principal) -> None:
        container = self.console.container

        def advance(count: int) -> None:
            self._done += count

        try:
            report = await run_admin_import(
                self.store.import_plan(folder),
                actor=actor,
                session_factory=container.session_factory,
                clock=container.clock,
                dry_run=False,
                geocoder=container.geocoder,
                on_progress=advance,
            )
            self.store.write(folder, "result", report.as_dict())
        except ValidationFailed as exc:
            problems = [{"file": "", "row": 0, "field": e.field, "reason": e.message}
                        for e in exc.errors]  # fmt: skip
            self.store.write(folder, "result", {"failed": True, "problems": problems})
        except Exception:
            log.exception("import apply failed")
            self.store.write(folder, "result", {"failed": True, "crashed": True})
        finally:
            self.store.drop_upload(folder)
            self._applying = None

    async def cancel(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/imports/<id>/cancel`: forget the upload; nothing is imported."""
        await self.console.form(request, viewer)
        importable_mappings(actor=viewer.principal)
        upload_id = str(request.path_params["id"])
        folder = self.store.folder(upload_id, self._owner(viewer))
        if self._applying != upload_id:
            self.store.remove(folder)
        return self.console.redirect(viewer, "/admin/imports?done=cancelled")

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/admin/imports", page(self.show_form), methods=["GET"]),
            Route("/admin/imports", page(self.upload), methods=["POST"]),
            Route("/admin/imports/{id}", page(self.show), methods=["GET"]),
            Route("/admin/imports/{id}/apply", page(self.apply), methods=["POST"]),
            Route("/admin/imports/{id}/cancel", page(self.cancel), methods=["POST"]),
        ]


def _expected(dry_run: dict[str, Any]) -> int:
    """Records the dry run counted: the progress bar's end."""
    counts = dry_run.get("counts", {})
    return sum(sum(c.values()) - c.get("deactivated", 0) for c in counts.values())
