"""`/admin/imports` over HTTP: upload, dry-run report, apply with progress, and refusals."""

from __future__ import annotations

import asyncio
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.app import create_app
from hub.core.settings import Settings
from tests.web.board_client import csrf_of, scalar, sign_in

ORG = "cd09a387-91f4-4555-94ec-e799c35344cd"
UPLOAD_ID = re.compile(r"/admin/imports/([A-Za-z0-9_-]{22})$")


def services_json(*names: str) -> bytes:
    """HSDS JSON: one service per name, of one new organization (an empty name is a problem)."""
    org = {"id": ORG, "name": "Harbor Aid", "description": "Help by the harbor"}
    rows = [
        {"id": f"7a0a4b8e-3c6f-4b43-9a57-4b1a2f1c{i:04d}", "name": name, "status": "active",
         "organization": org}
        for i, name in enumerate(names)
    ]  # fmt: skip
    return json.dumps(rows).encode()


@pytest.fixture
async def client(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process, signed in as the hub admin."""
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        await sign_in(http, "admin")
        yield http
    await app.state.container.close()


def _services(settings: Settings) -> int:
    [(count,)] = scalar(settings, "SELECT count(*) FROM service")
    assert isinstance(count, int)
    return count


def _folders(settings: Settings) -> list[Path]:
    root = settings.data_dir / "imports"
    return sorted(root.iterdir()) if root.is_dir() else []


async def upload(
    client: httpx.AsyncClient,
    content: bytes | None,
    *,
    name: str = "services.json",
    kind: str = "hsds",
    **fields: str,
) -> httpx.Response:
    """Post the upload form as a browser does (multipart)."""
    token = await csrf_of(client, "/admin/imports")
    files = {"file": (name, content, "application/octet-stream")} if content is not None else None
    data = {"csrf": token, "kind": kind, "source": "web-test", **fields}
    if files is None:  # a form with an empty file input still posts multipart
        files = {"file": ("", b"", "application/octet-stream")}
    return await client.post("/admin/imports", data=data, files=files)


async def _finished(client: httpx.AsyncClient, path: str) -> str:
    for _ in range(1200):
        page = await client.get(path)
        if "Import result" in page.text:
            return page.text
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


async def test_an_admin_checks_then_applies_an_hsds_file(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    before = _services(demo_settings)
    answer = await upload(client, services_json("Harbor legal clinic", ""), skip_invalid="yes")
    assert answer.status_code == 303, answer.text
    path = answer.headers["location"]
    assert UPLOAD_ID.search(path)
    report = await client.get(path)
    assert "Dry run report" in report.text
    row = re.search(
        r'>services.json</td><td class="num"[^>]*>(\d+)</td>\s*<td[^>]*>name<', report.text
    )
    assert row is not None
    assert row.group(1) == "2"
    assert _services(demo_settings) == before

    token = await csrf_of(client, path)
    applied = await client.post(f"{path}/apply", data={"csrf": token})
    assert applied.status_code == 303
    result = await _finished(client, path)
    assert "Imported." in result
    assert _services(demo_settings) == before + 1
    names = scalar(demo_settings, "SELECT name FROM service WHERE organization_id = :o", o=ORG)
    assert names == [("Harbor legal clinic",)]
    [folder] = _folders(demo_settings)
    assert not (folder / "data").exists()  # the uploaded data is gone once applied
    again = await client.post(f"{path}/apply", data={"csrf": token})
    assert again.status_code == 303
    assert _services(demo_settings) == before + 1


async def test_a_failed_dry_run_pages_its_problems_and_cannot_be_applied(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    before = _services(demo_settings)
    answer = await upload(client, services_json(*([""] * 60)))
    path = answer.headers["location"]
    first = await client.get(path)
    assert "Apply the import" not in first.text
    assert "Page 1 of 2" in first.text
    second = await client.get(f"{path}?page=2")
    assert "Page 2 of 2" in second.text
    assert second.text.count('<span class="badge">Problem</span>') == 10
    for nonsense, shown in (("0", 1), ("-1", 1), ("abc", 1), ("99999999", 1), ("7", 2)):
        answer = await client.get(f"{path}?page={nonsense}")
        assert answer.status_code == 200
        assert f"Page {shown} of 2" in answer.text
    token = await csrf_of(client, path)
    refused = await client.post(f"{path}/apply", data={"csrf": token})
    assert refused.status_code == 409
    await asyncio.sleep(0.1)
    assert _services(demo_settings) == before


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "fields", "message"),
    [
        (None, "", {}, "Choose a file to upload."),
        (b"", "empty.json", {}, "The file is empty."),
        (b"id,name\n1,x\n", "a.csv", {}, "An HSDS upload is a data package"),
        (_zip({"readme.txt": "hi"}), "p.zip", {}, "not a data package"),
        (b"PK\x03\x04junk", "p.zip", {}, "The zip file cannot be read."),
        (b"id,name\n1,x\n", "a.csv", {"kind": "csv", "mapping": "nope"}, "Choose a mapping"),
        (b"id,name\n1,x\n", "a.csv", {"kind": "xml"}, "Choose what the file holds."),
        (b"[]", "a.json", {"source": "x" * 150}, "at most 100 plain characters"),
    ],
)
async def test_bad_uploads_get_a_message_and_change_nothing(
    client: httpx.AsyncClient,
    demo_settings: Settings,
    content: bytes | None,
    name: str,
    fields: dict[str, str],
    message: str,
) -> None:
    before = _services(demo_settings)
    answer = await upload(client, content, name=name, **fields)
    assert answer.status_code == 400
    assert message in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert _services(demo_settings) == before
    assert _folders(demo_settings) == []


async def test_foreign_stale_and_forged_requests_are_refused(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    path = (await upload(client, services_json("Harbor legal clinic"))).headers["location"]
    other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with other:
        await sign_in(other, "admin")  # the same admin in another session: not theirs
        assert (await other.get(path)).status_code == 404
        token = await csrf_of(other, "/admin/imports")
        assert (await other.post(f"{path}/apply", data={"csrf": token})).status_code == 404
    for stale in (
        "/admin/imports/AAAAAAAAAAAAAAAAAAAAAA",
        "/admin/imports/..%2f..",
        "/admin/imports/x",
    ):
        assert (await client.get(stale)).status_code == 404
    forged = await client.post(f"{path}/apply", data={"csrf": "forged"})
    assert forged.status_code == 403
    assert "This form expired" in forged.text
    before = _services(demo_settings)
    await asyncio.sleep(0.1)
    assert _services(demo_settings) == before
    token = await csrf_of(client, path)
    cancelled = await client.post(f"{path}/cancel", data={"csrf": token})
    assert cancelled.headers["location"] == "/admin/imports?done=cancelled"
    assert _folders(demo_settings) == []
    assert (await client.get(path)).status_code == 404


async def test_only_hub_admins_see_the_page(demo_settings: Settings) -> None:
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        assert (await http.get("/admin/imports")).status_code == 303  # to the sign-in page
        await sign_in(http, "ajcc.admin")
        assert (await http.get("/admin/imports")).status_code == 403
        token = await csrf_of(http, "/settings")
        posted = await http.post(
            "/admin/imports",
            data={"csrf": token, "kind": "hsds"},
            files={"file": ("s.json", services_json("X"), "application/json")},
        )
        assert posted.status_code == 403
    await app.state.container.close()
    assert _folders(demo_settings) == []


async def test_a_long_import_shows_progress_and_one_runs_at_a_time(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    before = _services(demo_settings)
    many = services_json(*(f"Harbor service {i}" for i in range(3000)))
    path = (await upload(client, many)).headers["location"]
    second = (await upload(client, services_json("Another clinic"), name="b.json")).headers[
        "location"
    ]
    token = await csrf_of(client, path)
    assert (await client.post(f"{path}/apply", data={"csrf": token})).status_code == 303
    fragment = await client.get(path, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in fragment.text
    assert "<progress" in fragment.text
    assert "<html" not in fragment.text
    page = await client.get(path)
    assert "Import in progress" in page.text
    assert f'<a href="{path}">Refresh</a>' in page.text
    busy = await client.post(f"{second}/apply", data={"csrf": token})
    assert busy.status_code == 409
    assert "Another import is being applied" in busy.text
    await _finished(client, path)
    done = await client.get(path, headers={"HX-Request": "true"})
    assert done.headers["HX-Redirect"] == path
    assert _services(demo_settings) == before + 3000


async def test_an_upload_older_than_an_hour_is_gone(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    path = (await upload(client, services_json("Harbor legal clinic"))).headers["location"]
    [folder] = _folders(demo_settings)
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    plan["created"] -= 2 * 3600
    (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    token = await csrf_of(client, "/admin/imports")
    before = _services(demo_settings)
    assert (await client.post(f"{path}/apply", data={"csrf": token})).status_code == 404
    assert _services(demo_settings) == before
    assert _folders(demo_settings) == []
