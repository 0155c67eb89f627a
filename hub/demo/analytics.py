"""The demo step that builds the analytics fact table, so reports answer right after the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.db import transaction
from referrals.analytics.refresh import refresh_facts

if TYPE_CHECKING:
    from hub.demo.steps import DemoContext


async def analytics_step(ctx: DemoContext) -> None:
    """Compute the facts of every demo referral (later reports refresh them incrementally)."""
    async with transaction(ctx.container.session_factory) as session:
        ctx.summary["analytics_facts"] = await refresh_facts(
            session=session, clock=ctx.container.clock, full=True
        )
