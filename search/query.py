"""What a caller asks for, before validation: codes, a place to resolve, filters, paging."""

from __future__ import annotations

from dataclasses import dataclass, fields

from search.models import ProgramFilters, SortOrder

DEFAULT_RADIUS_KM = 25.0
MAX_RADIUS_KM = 500.0
MAX_PAGE_SIZE = 100
MAX_TEXT_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Near:
    """Exactly one of: a point, a ZIP, or an address to geocode."""

    latitude: float | None = None
    longitude: float | None = None
    postal_code: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search as the API receives it."""

    text: str = ""
    needs: tuple[str, ...] = ()
    near: Near | None = None
    radius_km: float | None = None
    languages: tuple[str, ...] = ()
    free: bool = False
    max_cost: float | None = None
    open_now: bool = False
    open_evenings: bool = False
    age: int | None = None
    delivery_modes: tuple[str, ...] = ()
    accepting_referrals: bool = False
    capacity: tuple[str, ...] = ()
    program: ProgramFilters | None = None
    sort: SortOrder = SortOrder.RELEVANCE
    first: int = 20
    after: str | None = None
    facets: bool = True

    def filter_names(self) -> list[str]:
        """Names of the filters in use (for the anonymous search log)."""
        names = []
        for name in (
            "languages",
            "free",
            "max_cost",
            "open_now",
            "open_evenings",
            "age",
            "delivery_modes",
            "accepting_referrals",
            "capacity",
        ):
            value = getattr(self, name)
            if value not in (None, False, (), ""):
                names.append(name)
        if self.program is not None:
            for item in fields(ProgramFilters):
                if getattr(self.program, item.name) not in (None, (), ""):
                    names.append(f"program.{item.name}")
        return names
