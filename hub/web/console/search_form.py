"""The search page's query string, read defensively: every bad value becomes a field message.

`/search?needs=…&need=…&near=<ZIP|address|lat,lon>&radius_km=…&lang=…&open_now=1&open_evenings=1
&free=1&accepting=1&q=…&age=…&max_cost=…&mode=…&capacity=…&sort=…&after=…&page=…&list=…`
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.datastructures import ImmutableMultiDict, QueryParams

from providers.models import AidType, CapacityStatus, DeliveryMode, ScheduleFit
from providers.need_words import NeedMatch, match_needs, need_words, resolve_need
from search.models import ProgramFilters, SortOrder
from search.query import MAX_RADIUS_KM, MAX_TEXT_LENGTH, Near, SearchQuery

PAGE_SIZE = 10
MAX_PAGE = 1000
MAX_LIST = 20
RADII = (2, 5, 10, 25, 50, 100)
_POINT = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_ZIP = re.compile(r"^\s*\d{5}(?:-\d{4})?\s*$")
_CODE = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)+$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FLAGS = ("open_now", "open_evenings", "free", "accepting")


def _(message: str) -> str:
    """Mark a message for translation; the page translates it in the viewer's language."""
    return message


@dataclass
class SearchForm:
    """What the coach asked for, as typed (to show back) and as understood (to search)."""

    needs: list[str] = field(default_factory=list)
    need_text: str = ""
    suggestions: list[NeedMatch] = field(default_factory=list)
    near: str = ""
    radius_km: str = ""
    lang: str = ""
    q: str = ""
    age: str = ""
    max_cost: str = ""
    mode: str = ""
    capacity: str = ""
    sort: str = "relevance"
    schedule: str = ""
    aid: str = ""
    credential: str = ""
    max_total: str = ""
    earn: bool = False
    flags: dict[str, bool] = field(default_factory=dict)
    after: str | None = None
    page: int = 1
    shortlist: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def asked(self) -> bool:
        """Whether anything was asked (an empty form shows no results yet)."""
        return bool(self.needs or self.near or self.q or self.lang or any(self.flags.values()))

    def params(self, **changes: object) -> dict[str, str]:
        """The query string of this search (the list included), with some values changed."""
        values: dict[str, object] = {
            "needs": ",".join(self.needs),
            "near": self.near,
            "radius_km": self.radius_km,
            "lang": self.lang,
            "q": self.q,
            "age": self.age,
            "max_cost": self.max_cost,
            "mode": self.mode,
            "capacity": self.capacity,
            "sort": "" if self.sort == "relevance" else self.sort,
            "schedule": self.schedule,
            "aid": self.aid,
            "credential": self.credential,
            "max_total": self.max_total,
            "earn": "1" if self.earn else "",
            **{name: "1" if on else "" for name, on in self.flags.items()},
            "list": ",".join(self.shortlist),
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in ("", None, 0)}

    def url(self, **changes: object) -> str:
        """`/search?…` for this search with some values changed."""
        query = urlencode(self.params(**changes))
        return "/search" + (f"?{query}" if query else "")


def _many(params: ImmutableMultiDict[str, Any], name: str) -> list[str]:
    found: list[str] = []
    for value in params.getlist(name):
        text = value[:2000] if isinstance(value, str) else ""
        found.extend(part.strip() for part in text.split(",") if part.strip())
    return found


def service_ids(params: ImmutableMultiDict[str, Any], name: str = "list") -> list[str]:
    """Service ids of a list parameter (`a,b,c`), well-formed and unique, at most MAX_LIST."""
    ids = [i for i in dict.fromkeys(_many(params, name)) if _ID.match(i)]
    return ids[:MAX_LIST]


def with_list(search_url: str, ids: list[str]) -> str:
    """The search page at `search_url` with its list replaced by `ids`."""
    parts = urlsplit(search_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "list"]
    if ids:
        query.append(("list", ",".join(ids)))
    return f"{parts.path}?{urlencode(query)}" if query else parts.path


def _number(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def _read_needs(form: SearchForm, params: QueryParams, gettext: Callable[[str], str]) -> None:
    known = need_words()
    for value in _many(params, "needs")[:20]:
        code = value if value in known else resolve_need(value)
        if code is None and _CODE.match(value):
            code = value  # a code of another taxonomy: the search checks it against the tree
        if code is None:
            form.errors["need"] = gettext(_("We do not know this need. Pick one from the list."))
        elif code not in form.needs:
            form.needs.append(code)
    typed = params.get("need", "").strip()[:100]
    if typed:
        code = resolve_need(typed)
        if code is not None:
            if code not in form.needs:
                form.needs.append(code)
        else:
            form.need_text = typed
            form.suggestions = match_needs(typed)
            form.errors["need"] = (
                gettext(_("Several needs match these words. Choose one below."))
                if form.suggestions
                else gettext(_("No need matches these words. Try other words."))
            )


def _read_program(form: SearchForm, params: QueryParams, gettext: Callable[[str], str]) -> None:
    form.schedule = params.get("schedule", "").strip()[:20]
    if form.schedule and form.schedule not in {f.value for f in ScheduleFit}:
        form.errors["schedule"] = gettext(_("Choose one of the listed options."))
    form.aid = params.get("aid", "").strip()[:20]
    if form.aid and form.aid not in {a.value for a in AidType}:
        form.errors["aid"] = gettext(_("Choose one of the listed options."))
    form.credential = params.get("credential", "").strip()[:100]
    form.max_total = params.get("max_total", "").strip()[:20]
    if form.max_total and _number(form.max_total, 0, 1_000_000) is None:
        form.errors["max_total"] = gettext(_("Enter an amount of 0 or more."))
    form.earn = params.get("earn", "") in {"1", "on", "true"}


def _program(form: SearchForm) -> ProgramFilters | None:
    if not (form.schedule or form.aid or form.credential or form.max_total or form.earn):
        return None
    return ProgramFilters(
        credential=form.credential or None,
        schedule_fit=(form.schedule,) if form.schedule else (),
        aid_accepted=(form.aid,) if form.aid else (),
        earn_and_learn=True if form.earn else None,
        max_total_cost=float(form.max_total) if form.max_total else None,
    )


def read_form(params: QueryParams, gettext: Callable[[str], str]) -> SearchForm:
    """Read the query string; bad values are kept to show back, with a message each."""
    form = SearchForm()
    _read_needs(form, params, gettext)
    form.near = params.get("near", "").strip()[:200]
    form.radius_km = params.get("radius_km", "").strip()[:20]
    if form.radius_km and _number(form.radius_km, 0.1, MAX_RADIUS_KM) is None:
        form.errors["radius_km"] = gettext(_("Choose a distance between 1 and 500 km."))
    form.lang = params.get("lang", "").strip()[:40]
    form.q = params.get("q", "").strip()[:MAX_TEXT_LENGTH]
    form.age = params.get("age", "").strip()[:10]
    if form.age and _number(form.age, 0, 130) is None:
        form.errors["age"] = gettext(_("Enter an age from 0 to 130."))
    form.max_cost = params.get("max_cost", "").strip()[:20]
    if form.max_cost and _number(form.max_cost, 0, 1_000_000) is None:
        form.errors["max_cost"] = gettext(_("Enter an amount of 0 or more."))
    form.mode = params.get("mode", "").strip()[:20]
    if form.mode and form.mode not in {m.value for m in DeliveryMode}:
        form.errors["mode"] = gettext(_("Choose one of the listed options."))
    form.capacity = params.get("capacity", "").strip()[:40]
    if form.capacity and form.capacity not in {c.value for c in CapacityStatus}:
        form.errors["capacity"] = gettext(_("Choose one of the listed options."))
    _read_program(form, params, gettext)
    sort = params.get("sort", "relevance").strip()
    form.sort = sort if sort in {s.value for s in SortOrder} else "relevance"
    form.flags = {name: params.get(name, "") in {"1", "on", "true"} for name in FLAGS}
    form.shortlist = service_ids(params)
    after = params.get("after", "").strip()
    form.after = after[:500] or None
    page = _number(params.get("page", "1").strip()[:12] or "1", 1, MAX_PAGE)
    if page is None or page != int(page) or (page > 1 and form.after is None):
        form.notes.append(gettext(_("That page number does not exist. Here is the first page.")))
        form.after, page = None, 1
    form.page = int(page)
    return form


def near_of(text: str) -> Near | None:
    """A place typed as a ZIP, "latitude,longitude" (from "use my location") or an address."""
    if not text:
        return None
    point = _POINT.match(text)
    if point:
        return Near(latitude=float(point.group(1)), longitude=float(point.group(2)))
    if _ZIP.match(text):
        return Near(postal_code=text.strip()[:5])
    return Near(address=text)


def to_query(form: SearchForm) -> SearchQuery:
    """The domain query of a form without errors."""
    return SearchQuery(
        text=form.q,
        needs=tuple(form.needs),
        near=near_of(form.near),
        radius_km=float(form.radius_km) if form.radius_km and form.near else None,
        languages=(form.lang,) if form.lang else (),
        free=form.flags.get("free", False),
        max_cost=float(form.max_cost) if form.max_cost else None,
        open_now=form.flags.get("open_now", False),
        open_evenings=form.flags.get("open_evenings", False),
        age=int(float(form.age)) if form.age else None,
        delivery_modes=(form.mode,) if form.mode else (),
        accepting_referrals=form.flags.get("accepting", False),
        capacity=(form.capacity,) if form.capacity else (),
        program=_program(form),
        sort=SortOrder(form.sort) if form.near else SortOrder.RELEVANCE,
        first=PAGE_SIZE,
        after=form.after,
        facets=False,
    )
