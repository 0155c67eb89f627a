"""Every report as a flat table (for CSV and the terminal), with the same suppression as the API.

A suppressed count is written as the word `suppressed`, never as a number or an empty cell that
could be mistaken for zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.paging import PageRequest
from hub.core.spreadsheet import csv_for_people
from hub.identity.principal import Principal
from referrals.analytics import audit, demand, flows, health, report
from referrals.analytics.suppression import Cell

SUPPRESSED = "suppressed"
EXPORT_PAGE = 1000


class ReportKind(StrEnum):
    """The reports that can be exported."""

    NETWORK = "network"
    REASONS = "reasons"
    FLOWS = "flows"
    DEMAND = "demand"
    HEALTH = "health"
    EVENTS = "events"
    CHANGES = "changes"
    ACCESS = "access"


@dataclass(frozen=True, slots=True)
class Table:
    """A header and rows of text."""

    columns: list[str]
    rows: list[list[str]]


def cell(value: Cell) -> str:
    """A count as exported."""
    return SUPPRESSED if value.suppressed else str(value.value)


def number(value: float | None) -> str:
    """A rate or timing as exported ('' when not published)."""
    return "" if value is None else f"{value:.4g}"


def when(value: datetime) -> str:
    """A timestamp as exported."""
    return value.isoformat()


COUNT_COLUMNS = [
    ("sent", "referrals"),
    ("viewed", "viewed"),
    ("accepted", "accepted"),
    ("completed", "completed"),
    ("closed_loop", "closed_loop"),
    ("sla_breaches", "sla_breached"),
    ("client_got_help", "client_got_help"),
    ("client_could_not_reach", "client_could_not_reach"),
    ("client_no_longer_needed", "client_no_longer_needed"),
    ("ratings", "rated"),
    ("rated_helpful", "rated_helpful"),
]


def network_table(value: report.NetworkReport) -> Table:
    """One line per group plus a TOTAL line; decline and failure reasons follow as lines."""
    dims = [d.value for d in value.query.group_by]
    columns = [
        *dims,
        *(name for name, _ in COUNT_COLUMNS),
        "closed_loop_rate",
        "helpful_rate",
        "first_action_median_h",
        "first_action_p90_h",
        "closure_median_h",
        "closure_p90_h",
    ]

    def line(label: list[str], row: report.ReportRow) -> list[str]:
        return [
            *label,
            *(cell(row.counts[key]) for _, key in COUNT_COLUMNS),
            number(row.closed_loop_rate),
            number(row.helpful_rate),
            number(row.first_action.median_hours),
            number(row.first_action.p90_hours),
            number(row.closure.median_hours),
            number(row.closure.p90_hours),
        ]

    rows = [line([g.label for g in r.group], r) for r in value.rows]
    rows.append(line(["TOTAL"] + [""] * (len(dims) - 1) if dims else [], value.total))
    return Table(columns, rows)


def reasons_table(value: report.NetworkReport) -> Table:
    """Decline and failure reasons with their counts."""
    return Table(
        ["status", "reason_code", "referrals"],
        [[r.status, r.reason_code, cell(r.count)] for r in value.reasons],
    )


def flows_table(value: flows.FlowMatrix) -> Table:
    """One line per sender -> receiver pair, then the totals."""
    rows = [[c.sender_name, c.receiver_name, cell(c.count)] for c in value.cells]
    rows += [[t.organization_name, "ALL", cell(t.count)] for t in value.sent]
    rows += [["ALL", t.organization_name, cell(t.count)] for t in value.received]
    rows.append(["ALL", "ALL", cell(value.total)])
    return Table(["sender", "receiver", "referrals"], rows)


def demand_table(value: demand.UnmetDemand) -> Table:
    """Need x ZIP, most unmet first."""
    return Table(
        ["need", "postal_code", "searches", "unmet", "unmet_with_capacity"],
        [
            [
                r.need_code,
                r.postal_code,
                cell(r.searches),
                cell(r.unmet),
                cell(r.unmet_with_capacity),
            ]
            for r in value.rows
        ],
    )


def health_table(value: health.ListingHealth) -> Table:
    """One line per organization."""
    return Table(
        [
            "organization",
            "services",
            "verified_6_months_share",
            "verified_12_months_share",
            "without_capacity_status",
            "referrals_past_sla",
            "has_referrals_past_sla",
        ],
        [
            [
                o.organization_name,
                str(o.services),
                number(o.verified_6_months_share),
                number(o.verified_12_months_share),
                str(o.without_capacity_status),
                cell(o.referrals_past_sla),
                "yes" if o.has_referrals_past_sla else "no",
            ]
            for o in value.organizations
        ],
    )


def to_csv(table: Table) -> str:
    """RFC 4180 CSV text for people: names that look like formulas are neutralized."""
    # Listing and organization names come from partners and imports: never formulas.
    return csv_for_people(table.columns, table.rows)


async def export_report(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    kind: ReportKind,
    query: report.ReportQuery,
    pseudonym_key: bytes,
) -> Table:
    """Build one report as a table, with the caller's scope and the usual suppression."""
    if kind == ReportKind.NETWORK:
        built = await report.network_report(session=session, actor=actor, clock=clock, query=query)
        return network_table(built)
    if kind == ReportKind.REASONS:
        built = await report.network_report(session=session, actor=actor, clock=clock, query=query)
        return reasons_table(built)
    if kind == ReportKind.FLOWS:
        matrix = await flows.flow_matrix(session=session, actor=actor, clock=clock, query=query)
        return flows_table(matrix)
    if kind == ReportKind.DEMAND:
        found = await demand.unmet_demand(session=session, actor=actor, query=query, limit=10_000)
        return demand_table(found)
    if kind == ReportKind.HEALTH:
        listing = await health.listing_health(
            session=session, actor=actor, clock=clock, network_id=query.network_id
        )
        return health_table(listing)
    return await _trail(session, actor, kind, query, pseudonym_key)


async def _trail(
    session: AsyncSession,
    actor: Principal,
    kind: ReportKind,
    query: report.ReportQuery,
    key: bytes,
) -> Table:
    rows: list[list[str]] = []
    after: str | None = None
    while True:
        page_request = PageRequest(first=EXPORT_PAGE, after=after, max_size=EXPORT_PAGE)
        if kind == ReportKind.EVENTS:
            events = await audit.audit_events(
                session=session, actor=actor, query=query, page=page_request, pseudonym_key=key
            )
            rows += [
                [
                    e.referral_key,
                    e.kind,
                    e.actor_role,
                    e.actor_type,
                    e.from_status or "",
                    e.to_status or "",
                    e.outcome or "",
                    e.reason_code or "",
                    e.sender_organization_name,
                    e.receiver_organization_name,
                    when(e.occurred_at),
                ]
                for e in events.items
            ]
            page = events.has_next_page, events.end_cursor
        elif kind == ReportKind.CHANGES:
            changes = await audit.change_log(
                session=session, actor=actor, query=query, page=page_request
            )
            rows += [
                [
                    c.resource_type,
                    c.resource_id,
                    c.resource_name,
                    c.field_name,
                    c.action,
                    c.changed_by_name,
                    when(c.changed_at),
                ]
                for c in changes.items
            ]
            page = changes.has_next_page, changes.end_cursor
        else:
            reads = await audit.access_log(
                session=session, actor=actor, query=query, page=page_request
            )
            rows += [
                [
                    a.user_id or "",
                    a.actor_type,
                    a.client_id,
                    a.referral_id or "",
                    a.through,
                    when(a.accessed_at),
                ]
                for a in reads.items
            ]
            page = reads.has_next_page, reads.end_cursor
        if not page[0]:
            break
        after = page[1]
    return Table(TRAIL_COLUMNS[kind], rows)


TRAIL_COLUMNS = {
    ReportKind.EVENTS: [
        "referral_key",
        "kind",
        "actor_role",
        "actor_type",
        "from_status",
        "to_status",
        "outcome",
        "reason_code",
        "sender",
        "receiver",
        "occurred_at",
    ],
    ReportKind.CHANGES: [
        "resource_type",
        "resource_id",
        "resource_name",
        "field",
        "action",
        "changed_by",
        "changed_at",
    ],
    ReportKind.ACCESS: [
        "user_id",
        "actor_type",
        "client_id",
        "referral_id",
        "through",
        "accessed_at",
    ],
}
