"""The referral pages: refer (`/referrals/new`), inbox and outbox (`/referrals`), one referral."""

from __future__ import annotations

from starlette.routing import BaseRoute

from hub.web.console.base import Console
from hub.web.console.referral_boxes import ReferralBoxPages
from hub.web.console.referral_detail import ReferralDetailPages
from hub.web.console.referral_links import ReferralLinkPages
from hub.web.console.referral_new import ReferralNewPages


class ReferralPages:
    """The referral page group, assembled from its three parts."""

    def __init__(self, console: Console) -> None:
        detail = ReferralDetailPages(console)
        self.parts = (
            ReferralNewPages(console),
            ReferralBoxPages(console),
            detail,
            ReferralLinkPages(console, detail),
        )

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group (`/referrals/new` before `/referrals/{id}`)."""
        return [route for part in self.parts for route in part.routes()]
