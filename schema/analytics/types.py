"""GraphQL types of the analytics reports: suppressed counts, timings, rows, flows, audit entries.

Nothing here can carry a client: every type is built from aggregates or de-identified rows.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from referrals.analytics import audit, demand, flows, health, report
from referrals.analytics.dimensions import Dimension
from referrals.analytics.dimensions import GroupValue as GroupValueRow
from referrals.analytics.scope import Scope
from referrals.analytics.suppression import Cell
from schema.relay import to_global_id

strawberry.enum(Dimension, name="ReportDimension", description="What a report is grouped by.")
ORG_DIMENSIONS = (Dimension.SENDER, Dimension.RECEIVER)


@strawberry.type(description="A count; null with `suppressed` when under 11 or derivable.")
class Count:
    value: int | None
    suppressed: bool


def count(cell: Cell) -> Count:
    """Wrap a suppressed cell."""
    return Count(value=cell.value, suppressed=cell.suppressed)


@strawberry.type(description="Median and 90th percentile (nearest rank) in hours.")
class Timing:
    median_hours: float | None
    p90_hours: float | None
    suppressed: bool = strawberry.field(description="True when fewer than 11 were measured.")


def timing(value: report.Timing) -> Timing:
    """Wrap a timing."""
    return Timing(
        median_hours=value.median_hours, p90_hours=value.p90_hours, suppressed=value.suppressed
    )


@strawberry.type(description="The network a report covers (null: every organization).")
class ReportNetwork:
    id: strawberry.ID
    name: str


def network(scope: Scope) -> ReportNetwork | None:
    """The scope's network, if any."""
    if scope.network_id is None:
        return None
    return ReportNetwork(
        id=to_global_id("Network", scope.network_id), name=scope.network_name or ""
    )


@strawberry.type(description="One coordinate of a report row.")
class GroupValue:
    dimension: Dimension
    value: str | None = strawberry.field(
        description="Organization global id, need code, status, outcome or YYYY-MM; null = none."
    )
    label: str


def _group_value(g: GroupValueRow) -> GroupValue:
    value = g.value
    if value is not None and g.dimension in ORG_DIMENSIONS:
        value = to_global_id("Organization", value)
    return GroupValue(dimension=g.dimension, value=value, label=g.label)


@strawberry.type(description="Figures of one group (or of the whole report).")
class ReportRow:
    group: list[GroupValue]
    sent: Count = strawberry.field(description="Referrals sent (the funnel's first step).")
    viewed: Count = strawberry.field(description="Seen or acted on by the receiver.")
    accepted: Count = strawberry.field(description="Ever accepted by the receiver.")
    completed: Count
    closed_loop: Count = strawberry.field(description="Completed or failed with an outcome.")
    closed_loop_rate: float | None
    sla_breaches: Count = strawberry.field(description="Receiver reminded by the SLA engine.")
    client_got_help: Count
    client_could_not_reach: Count
    client_no_longer_needed: Count
    ratings: Count = strawberry.field(description="Clients who said whether it helped.")
    rated_helpful: Count
    helpful_rate: float | None
    time_to_first_action: Timing
    time_to_closure: Timing


def report_row(row: report.ReportRow) -> ReportRow:
    """Wrap a report row."""
    c = row.counts
    return ReportRow(
        group=[_group_value(g) for g in row.group],
        sent=count(c["referrals"]),
        viewed=count(c["viewed"]),
        accepted=count(c["accepted"]),
        completed=count(c["completed"]),
        closed_loop=count(c["closed_loop"]),
        closed_loop_rate=row.closed_loop_rate,
        sla_breaches=count(c["sla_breached"]),
        client_got_help=count(c["client_got_help"]),
        client_could_not_reach=count(c["client_could_not_reach"]),
        client_no_longer_needed=count(c["client_no_longer_needed"]),
        ratings=count(c["rated"]),
        rated_helpful=count(c["rated_helpful"]),
        helpful_rate=row.helpful_rate,
        time_to_first_action=timing(row.first_action),
        time_to_closure=timing(row.closure),
    )


@strawberry.type(description="Rejected or failed referrals giving one reason code.")
class ReasonCount:
    status: str
    reason_code: str = strawberry.field(description="A coded reason; `all` is the status total.")
    count: Count


@strawberry.type(description="Referral figures for a date range of sending.")
class NetworkReport:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    group_by: list[Dimension]
    network: ReportNetwork | None
    rows: list[ReportRow]
    total: ReportRow
    reasons: list[ReasonCount]


def network_report(value: report.NetworkReport) -> NetworkReport:
    """Wrap the network report."""
    return NetworkReport(
        from_=value.query.start,
        to=value.query.end,
        group_by=list(value.query.group_by),
        network=network(value.scope),
        rows=[report_row(r) for r in value.rows],
        total=report_row(value.total),
        reasons=[
            ReasonCount(status=r.status, reason_code=r.reason_code, count=count(r.count))
            for r in value.reasons
        ],
    )


@strawberry.type(description="An organization in a report.")
class ReportOrganization:
    id: strawberry.ID
    name: str


def _org(ident: str, name: str) -> ReportOrganization:
    return ReportOrganization(id=to_global_id("Organization", ident), name=name)


@strawberry.type(description="Referrals from one organization to another.")
class FlowCell:
    sender: ReportOrganization
    receiver: ReportOrganization
    count: Count


@strawberry.type(description="An organization's sent or received total.")
class FlowTotal:
    organization: ReportOrganization
    count: Count


@strawberry.type(description="The organization-to-organization flow matrix with its totals.")
class FlowMatrix:
    network: ReportNetwork | None
    cells: list[FlowCell]
    sent: list[FlowTotal]
    received: list[FlowTotal]
    total: Count


def flow_matrix(value: flows.FlowMatrix) -> FlowMatrix:
    """Wrap the flow matrix."""
    return FlowMatrix(
        network=network(value.scope),
        cells=[
            FlowCell(
                sender=_org(c.sender_id, c.sender_name),
                receiver=_org(c.receiver_id, c.receiver_name),
                count=count(c.count),
            )
            for c in value.cells
        ],
        sent=[
            FlowTotal(
                organization=_org(t.organization_id, t.organization_name), count=count(t.count)
            )
            for t in value.sent
        ],
        received=[
            FlowTotal(
                organization=_org(t.organization_id, t.organization_name), count=count(t.count)
            )
            for t in value.received
        ],
        total=count(value.total),
    )


@strawberry.type(description="Searches for one need around one ZIP.")
class DemandCell:
    need_code: str
    need_label: str
    postal_code: str
    searches: Count
    unmet: Count = strawberry.field(description="Found no service within the radius.")
    unmet_with_capacity: Count = strawberry.field(
        description="Asked for services with capacity and found none."
    )


@strawberry.type(description="Service deserts: need x ZIP ranked by unmet searches.")
class UnmetDemand:
    network: ReportNetwork | None
    cells: list[DemandCell]


def unmet_demand(value: demand.UnmetDemand) -> UnmetDemand:
    """Wrap unmet demand."""
    return UnmetDemand(
        network=network(value.scope),
        cells=[
            DemandCell(
                need_code=r.need_code,
                need_label=r.need_label,
                postal_code=r.postal_code,
                searches=count(r.searches),
                unmet=count(r.unmet),
                unmet_with_capacity=count(r.unmet_with_capacity),
            )
            for r in value.rows
        ],
    )


@strawberry.type(description="One organization's listing health.")
class OrganizationHealth:
    organization: ReportOrganization
    services: int
    verified_6_months: int
    verified_6_months_share: float | None
    verified_12_months: int
    verified_12_months_share: float | None
    without_capacity_status: int
    referrals_past_sla: Count
    has_referrals_past_sla: bool


@strawberry.type(description="Listing health of every organization in scope.")
class ListingHealth:
    network: ReportNetwork | None
    organizations: list[OrganizationHealth]
    referrals_past_sla_total: Count


def listing_health(value: health.ListingHealth) -> ListingHealth:
    """Wrap listing health."""
    return ListingHealth(
        network=network(value.scope),
        organizations=[
            OrganizationHealth(
                organization=_org(o.organization_id, o.organization_name),
                services=o.services,
                verified_6_months=o.verified_6_months,
                verified_6_months_share=o.verified_6_months_share,
                verified_12_months=o.verified_12_months,
                verified_12_months_share=o.verified_12_months_share,
                without_capacity_status=o.without_capacity_status,
                referrals_past_sla=count(o.referrals_past_sla),
                has_referrals_past_sla=o.has_referrals_past_sla,
            )
            for o in value.organizations
        ],
        referrals_past_sla_total=count(value.referrals_past_sla_total),
    )


@strawberry.type(description="A de-identified referral history entry.")
class AuditEvent:
    referral_key: str = strawberry.field(description="Opaque, stable per referral; not its id.")
    kind: str
    actor_role: str
    actor_type: str
    from_status: str | None
    to_status: str | None
    outcome: str | None
    reason_code: str | None
    sender: ReportOrganization
    receiver: ReportOrganization
    occurred_at: datetime


def audit_event(e: audit.AuditEvent) -> AuditEvent:
    """Wrap an audit event."""
    return AuditEvent(
        referral_key=e.referral_key,
        kind=e.kind,
        actor_role=e.actor_role,
        actor_type=e.actor_type,
        from_status=e.from_status,
        to_status=e.to_status,
        outcome=e.outcome,
        reason_code=e.reason_code,
        sender=_org(e.sender_organization_id, e.sender_organization_name),
        receiver=_org(e.receiver_organization_id, e.receiver_organization_name),
        occurred_at=e.occurred_at,
    )


@strawberry.type(description="Who changed which field of which listing, when.")
class DirectoryChange:
    resource_type: str
    resource_id: strawberry.ID
    field_name: str
    action: str
    changed_by: str
    changed_at: datetime
    resource_name: str = strawberry.field(
        description="The listing's name (its service's or location's for hours and phones)."
    )
    changed_by_name: str = strawberry.field(description="The person's name (or the actor).")


def directory_change(e: audit.ChangeEntry) -> DirectoryChange:
    """Wrap a change log entry."""
    return DirectoryChange(
        resource_type=e.resource_type,
        resource_id=strawberry.ID(e.resource_id),
        field_name=e.field_name,
        action=e.action,
        changed_by=e.changed_by,
        changed_at=e.changed_at,
        resource_name=e.resource_name,
        changed_by_name=e.changed_by_name,
    )


@strawberry.type(description="One read of a client's personal data (hub admins only).")
class ClientDataAccess:
    user_id: strawberry.ID | None
    actor_type: str
    client_id: strawberry.ID
    referral_id: strawberry.ID | None
    through: str
    accessed_at: datetime


def client_data_access(e: audit.AccessEntry) -> ClientDataAccess:
    """Wrap an access log entry."""
    return ClientDataAccess(
        user_id=to_global_id("User", e.user_id) if e.user_id else None,
        actor_type=e.actor_type,
        client_id=to_global_id("Client", e.client_id),
        referral_id=to_global_id("Referral", e.referral_id) if e.referral_id else None,
        through=e.through,
        accessed_at=e.accessed_at,
    )
