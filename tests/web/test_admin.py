"""The administration pages over HTTP: networks, users, roles, tokens, and refusals."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from hub.app import create_app
from hub.core.settings import Settings
from tests.web.board_client import csrf_of, scalar, sign_in
from tests.web.demo_world import PASSWORD, demo_email


@pytest.fixture
async def client(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process with a browser-like cookie jar."""
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http
    await app.state.container.close()


def _org(settings: Settings, name_like: str) -> tuple[str, str]:
    rows = scalar(settings, "SELECT id, name FROM organization WHERE name LIKE :n ORDER BY name",
                  n=f"%{name_like}%")  # fmt: skip
    assert rows, name_like
    return str(rows[0][0]), str(rows[0][1])


async def test_a_hub_admin_builds_a_network_and_its_auditor(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    await sign_in(client, "admin")
    home = await client.get("/admin")
    assert home.status_code == 200
    assert "Alameda County Workforce Network" in home.text
    token = await csrf_of(client, "/admin")
    made = await client.post("/admin/networks", data={"csrf": token, "name": "Bay Board"})
    assert made.status_code == 303
    network_path = made.headers["location"].split("?")[0]
    network_id = network_path.rsplit("/", 1)[1]
    org_id, org_name = _org(demo_settings, "Food Bank")
    token = await csrf_of(client, network_path)
    added = await client.post(
        f"{network_path}/organizations", data={"csrf": token, "organization": org_id}
    )
    assert added.headers["location"].endswith("?done=added")
    page = await client.get(network_path)
    assert org_name in page.text.split("Organizations in this network")[1]

    form = await client.get(f"/admin/users/new?network={network_id}")
    assert f'<option value="{network_id}" selected>' in form.text
    token = await csrf_of(client, "/admin/users/new")
    created = await client.post(
        "/admin/users",
        data={"csrf": token, "email": "bay.board@example.org", "name": "Bay Auditor",
              "password": PASSWORD, "role": "auditor", "network": network_id},
    )  # fmt: skip
    assert created.status_code == 303, created.text
    user_page = await client.get(created.headers["location"])
    assert "Bay Board" in user_page.text
    assert "Auditor" in user_page.text

    # The new auditor signs in and sees only the new network's board.
    other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with other:
        token = await csrf_of(other, "/login")
        signed = await other.post("/login", data={"csrf": token, "email": "bay.board@example.org",
                                                  "password": PASSWORD})  # fmt: skip
        assert signed.headers["location"] == "/board"
        board = await other.get("/board/listings")
        assert board.status_code == 200
        assert org_name in board.text
        assert "Bay Board" in board.text


async def test_users_get_roles_tokens_new_passwords_and_are_deactivated(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    await sign_in(client, "admin")
    user_id = str(scalar(demo_settings, "SELECT id FROM user_account WHERE email = :e",
                         e=demo_email("coach.cook"))[0][0])  # fmt: skip
    path = f"/admin/users/{user_id}"
    org_id, org_name = _org(demo_settings, "Housing")
    token = await csrf_of(client, path)
    role = await client.post(f"{path}/roles", data={"csrf": token, "organization": org_id,
                                                    "org_role": "org_admin"})  # fmt: skip
    assert role.headers["location"].endswith("?done=role")
    page = await client.get(path)
    assert f"{org_name} · Organization admin" in page.text
    token = await csrf_of(client, path)
    issued = await client.post(f"{path}/tokens", data={"csrf": token, "token_name": "reports",
                                                       "days": "30"})  # fmt: skip
    assert issued.status_code == 200
    value = re.search(r'<code class="token">(hub_[^<]+)</code>', issued.text)
    assert value
    api = await client.post(
        "/graphql",
        json={"query": "{ viewer { name } }"},
        headers={"Authorization": f"Bearer {value.group(1)}"},
    )
    assert api.status_code == 200
    again = await client.get(path)
    assert value.group(1) not in again.text  # shown once
    token = await csrf_of(client, path)
    short = await client.post(f"{path}/password", data={"csrf": token, "password": "short"})
    assert short.status_code == 400
    assert "at least 10 characters" in short.text
    token = await csrf_of(client, path)
    off = await client.post(f"{path}/deactivate", data={"csrf": token})
    assert off.headers["location"].endswith("?done=off")
    refused = await client.post(
        "/graphql",
        json={"query": "{ viewer { name } }"},
        headers={"Authorization": f"Bearer {value.group(1)}"},
    )
    assert refused.status_code == 401
    other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with other:
        token = await csrf_of(other, "/login")
        blocked = await other.post("/login", data={"csrf": token, "email": demo_email("coach.cook"),
                                                   "password": PASSWORD})  # fmt: skip
        assert blocked.status_code in (401, 429)


async def test_bad_admin_input_changes_nothing_and_never_fails(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    await sign_in(client, "admin")
    before = scalar(demo_settings, "SELECT count(*) FROM user_account")[0][0]
    token = await csrf_of(client, "/admin/users/new")
    for data, message in (
        ({"email": "nope", "name": "X", "password": PASSWORD}, "Give a valid email address."),
        ({"email": demo_email("admin"), "name": "X", "password": PASSWORD}, "That email is taken."),
        ({"email": "a@b.org", "name": "X", "password": "short"}, "at least 10 characters"),
        ({"email": "a@b.org", "name": "X", "password": PASSWORD, "role": "auditor",
          "network": "'; drop"}, "Choose a network from the list."),
        ({"email": "a@b.org", "name": "X", "password": PASSWORD, "role": "auditor",
          "network": str(uuid.uuid4())}, "There is no such network."),
        ({"email": "a@b.org", "name": "X", "password": PASSWORD,
          "organization": "x"}, "Choose an organization from the list."),
    ):  # fmt: skip
        answer = await client.post("/admin/users", data={"csrf": token, **data})
        assert answer.status_code == 400, (data, answer.status_code)
        assert message in answer.text, data
        assert PASSWORD not in answer.text
    assert scalar(demo_settings, "SELECT count(*) FROM user_account")[0][0] == before
    forged = await client.post("/admin/networks", data={"csrf": "forged", "name": "Forged"})
    assert forged.status_code == 403
    assert not scalar(demo_settings, "SELECT id FROM network WHERE name = 'Forged'")
    for path in (f"/admin/networks/{uuid.uuid4()}", "/admin/networks/nonsense",
                 f"/admin/users/{uuid.uuid4()}", "/admin/users/%00"):  # fmt: skip
        missing = await client.get(path)
        assert missing.status_code == 404, path
    token = await csrf_of(client, "/admin")
    taken = await client.post(
        "/admin/networks", data={"csrf": token, "name": "alameda county workforce network"}
    )
    assert taken.status_code == 400
    assert "A network has that name." in taken.text
    network = str(scalar(demo_settings, "SELECT id FROM network LIMIT 1")[0][0])
    token = await csrf_of(client, f"/admin/networks/{network}")
    bad_org = await client.post(f"/admin/networks/{network}/organizations",
                                data={"csrf": token, "organization": "1 OR 1=1"})  # fmt: skip
    assert bad_org.status_code == 400
    assert "Choose an organization from the list." in bad_org.text
    unknown = await client.post(
        f"/admin/networks/{network}/organizations",
        data={"csrf": token, "organization": str(uuid.uuid4())},
    )
    assert unknown.status_code == 404
    me = str(scalar(demo_settings, "SELECT id FROM user_account WHERE email = :e",
                    e=demo_email("admin"))[0][0])  # fmt: skip
    token = await csrf_of(client, f"/admin/users/{me}")
    self_off = await client.post(f"/admin/users/{me}/deactivate", data={"csrf": token})
    assert self_off.status_code == 400
    assert "You cannot deactivate your own account." in self_off.text
    odd = await client.post(f"/admin/users/{me}/explode", data={"csrf": token})
    assert odd.status_code == 404


async def test_only_hub_admins_reach_the_admin_pages(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    signed_out = await client.get("/admin")
    assert signed_out.status_code == 303
    await sign_in(client, "board.auditor")
    assert (await client.get("/admin")).status_code == 403
    assert (await client.get("/admin/users/new")).status_code == 403
    network = str(scalar(demo_settings, "SELECT id FROM network LIMIT 1")[0][0])
    assert (await client.get(f"/admin/networks/{network}")).status_code in (403, 404)
    token = await csrf_of(client, "/board")
    posted = await client.post("/admin/networks", data={"csrf": token, "name": "Sneaky"})
    assert posted.status_code == 403
    assert not scalar(demo_settings, "SELECT id FROM network WHERE name = 'Sneaky'")


async def test_a_duplicate_organization_is_merged_from_the_page(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    await sign_in(client, "admin")
    rows = scalar(demo_settings, "SELECT id, name FROM organization ORDER BY name LIMIT 2")
    (keep, keep_name), (dup, dup_name) = ((str(i), str(n)) for i, n in rows)
    services = scalar(demo_settings, "SELECT count(*) FROM service WHERE organization_id IN"
                      " (:a, :b)", a=keep, b=dup)[0][0]  # fmt: skip
    token = await csrf_of(client, "/admin/organizations")
    for data, message in (
        ({"keep": keep, "duplicate": dup}, "Tick the box to confirm the merge."),
        ({"keep": keep, "duplicate": keep, "confirm": "yes"}, "Choose two different"),
        ({"keep": "x", "duplicate": dup, "confirm": "yes"}, "Choose an organization"),
    ):
        refused = await client.post("/admin/organizations/merge", data={"csrf": token, **data})
        assert refused.status_code == 400, data
        assert message in refused.text
    assert scalar(demo_settings, "SELECT count(*) FROM organization WHERE id = :d", d=dup) == [(1,)]
    merged = await client.post(
        "/admin/organizations/merge",
        data={"csrf": token, "keep": keep, "duplicate": dup, "confirm": "yes"},
    )
    assert merged.status_code == 200
    assert f"Merged: {dup_name} → {keep_name}." in merged.text.replace("&amp;", "&")
    assert scalar(demo_settings, "SELECT count(*) FROM organization WHERE id = :d", d=dup) == [(0,)]
    kept = scalar(demo_settings, "SELECT count(*) FROM service WHERE organization_id = :k", k=keep)
    assert kept == [(services,)]
    created = await client.post(
        "/admin/organizations", data={"csrf": token, "name": "Brand New Partner"}
    )
    assert created.status_code == 200
    assert "Brand New Partner was created." in created.text


async def test_form_addresses_reloaded_with_get_lead_back_to_their_pages(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    await sign_in(client, "admin")
    user = str(scalar(demo_settings, "SELECT id FROM user_account LIMIT 1")[0][0])
    network = str(scalar(demo_settings, "SELECT id FROM network LIMIT 1")[0][0])
    for path, target in (
        ("/admin/networks", "/admin"),
        ("/admin/users", "/admin"),
        ("/admin/invitations", "/admin/invitations/new"),
        (f"/admin/networks/{network}/organizations", f"/admin/networks/{network}"),
        (f"/admin/users/{user}/password", f"/admin/users/{user}"),
    ):
        answer = await client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == target
    assert (await client.get("/admin/organizations/merge")).status_code == 200
