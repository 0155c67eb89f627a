"""`hub network create | add | list` and `hub user create --auditor --network`."""

from __future__ import annotations

from pathlib import Path

from schema.relay import to_global_id
from tests.builders import make_organization
from tests.hub.test_cli import EXIT_USAGE, PASSWORD, hub, in_db, resolve, said


def test_a_network_is_created_filled_and_audited_from_the_command_line(
    database_url: str, tmp_path: Path
) -> None:
    east = in_db(database_url, lambda s: make_organization(s, "Eastside Career Center"))
    west = in_db(database_url, lambda s: make_organization(s, "Westside Food Bank"))
    made = hub(database_url, tmp_path, "network", "create", "--name", "Alameda Board")
    assert made.exit_code == 0, made.output
    network_id = made.stdout.strip().splitlines()[-1]
    # Raw ids and the API's global ids are both accepted.
    added = hub(database_url, tmp_path, "network", "add", "--network",
                to_global_id("Network", network_id), "--org", east.id,
                "--org", to_global_id("Organization", west.id))  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.stdout.strip().splitlines()[-1] == "2"
    again = hub(database_url, tmp_path, "network", "add", "--network", network_id, "--org", east.id)
    assert again.stdout.strip().splitlines()[-1] == "0"
    listed = hub(database_url, tmp_path, "network", "list")
    assert f"{network_id}      2  Alameda Board" in listed.stdout
    auditor = hub(database_url, tmp_path, "user", "create", "--email", "board@a.org",
                  "--name", "Grace", "--password", PASSWORD, "--auditor",
                  "--network", network_id)  # fmt: skip
    assert auditor.exit_code == 0, auditor.output
    token = hub(database_url, tmp_path, "token", "create", "--email", "board@a.org")
    principal = resolve(database_url, token.stdout.split()[-1])
    assert (principal.is_auditor, principal.auditor_network_id) == (True, network_id)


def test_bad_network_commands_exit_2_and_change_nothing(database_url: str, tmp_path: Path) -> None:
    hub(database_url, tmp_path, "network", "create", "--name", "Taken")
    for args, expected in (
        (["network", "create", "--name", "taken"], "A network has that name"),
        (["network", "create", "--name", "  "], "name"),
        (["network", "add", "--network", "nope", "--org", "x"], "--network takes the id of a"),
        (["network", "add", "--network", "8f0c9a52-5d8e-4a4e-9a57-0c2f1f4f9d11",
          "--org", "8f0c9a52-5d8e-4a4e-9a57-0c2f1f4f9d12"], "was not found"),
        (["user", "create", "--email", "a@b.org", "--name", "A", "--password", PASSWORD,
          "--network", "8f0c9a52-5d8e-4a4e-9a57-0c2f1f4f9d11"], "--network needs --auditor"),
        (["user", "create", "--email", "a@b.org", "--name", "A", "--password", PASSWORD,
          "--auditor", "--network", "8f0c9a52-5d8e-4a4e-9a57-0c2f1f4f9d11"], "no such network"),
    ):  # fmt: skip
        result = hub(database_url, tmp_path, *args)
        assert result.exit_code == EXIT_USAGE, (args, result.output)
        assert expected in said(result), (args, said(result))
        assert "Traceback" not in result.output
    listed = hub(database_url, tmp_path, "network", "list")
    assert len(listed.stdout.strip().splitlines()) == 1  # still the one network
    missing = hub(database_url, tmp_path, "token", "create", "--email", "a@b.org")
    assert missing.exit_code == EXIT_USAGE  # the refused auditor was never created
