"""`/reports/<kind>.csv` reads plain dates as `hub report` does: midnight UTC of that day."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from hub.core.dates import parse_day_or_time
from tests.analytics.conftest import Readers
from tests.analytics.network import END, START, FixtureNetwork


async def test_plain_dates_answer_the_same_csv_as_times_with_a_zone(
    client: httpx.AsyncClient, network: FixtureNetwork, readers: Readers
) -> None:
    headers = readers.auditor_a.headers
    timed = {"from": START.isoformat(), "to": END.isoformat(), "group_by": "status"}
    plain = {"from": START.date().isoformat(), "to": END.date().isoformat(), "group_by": "status"}
    by_time = await client.get("/reports/network.csv", params=timed, headers=headers)
    by_date = await client.get("/reports/network.csv", params=plain, headers=headers)
    assert by_date.status_code == 200, by_date.text
    assert by_date.text == by_time.text
    assert "TOTAL" in by_date.text


async def test_an_unreadable_date_is_a_400_that_says_what_to_send(
    client: httpx.AsyncClient, network: FixtureNetwork, readers: Readers
) -> None:
    params = {"from": "last tuesday", "to": END.date().isoformat()}
    response = await client.get(
        "/reports/network.csv", params=params, headers=readers.admin.headers
    )
    assert response.status_code == 400
    assert "2026-01-31" in response.text
    assert "last tuesday" not in response.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-04", datetime(2026, 3, 4, tzinfo=UTC)),
        (" 2026-03-04T05:06 ", datetime(2026, 3, 4, 5, 6, tzinfo=UTC)),
        ("2026-03-04T05:06+02:00", datetime(2026, 3, 4, 3, 6, tzinfo=UTC)),
    ],
)
def test_day_or_time_is_aware_and_utc_by_default(text: str, expected: datetime) -> None:
    parsed = parse_day_or_time(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["", "soon", "2026-13-01", "31/01/2026"])
def test_day_or_time_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match=r"isoformat|must be in"):
        parse_day_or_time(text)
