"""Service areas as index keys: `zip:94601`, `county:CA:alameda county`, `state:CA`, `nation`."""

from __future__ import annotations

import re

_SPLIT = re.compile(r"[;,\s]+")


def area_keys(extent_type: str | None, extent: str | None, name: str | None = None) -> list[str]:
    """Turn one HSDS service_area row into area keys.

    Our profile's convention: `extent_type` is `zip_codes` (or `postal_code`), `county`, `state` or
    `nation`; `extent` lists codes separated by `;` (counties as "Alameda County, CA").
    """
    kind = (extent_type or "").strip().lower()
    text = (extent or name or "").strip()
    if kind in ("nation", "national", "country"):
        return ["nation"]
    if kind in ("postal_code", "postal_codes", "zip", "zip_code", "zip_codes", "postcode"):
        return [f"zip:{z[:5]}" for z in _SPLIT.split(text) if z[:5].isdigit()]
    if kind == "state":
        return [f"state:{s.upper()}" for s in _SPLIT.split(text) if len(s) == 2 and s.isalpha()]
    if kind == "county":
        keys = []
        for item in (part.strip() for part in text.split(";")):
            county, _, state = item.rpartition(",")
            if county and len(state.strip()) == 2:
                keys.append(f"county:{state.strip().upper()}:{county.strip().lower()}")
        return keys
    return []
