"""The demo's counties: real ZIP centroids and time zones from the `zipcodes` package."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

import zipcodes


@dataclass(frozen=True, slots=True)
class Zip:
    """A ZIP code with its centroid."""

    code: str
    city: str
    state: str
    latitude: float
    longitude: float
    timezone: str


@dataclass(frozen=True, slots=True)
class County:
    """A demo county: its ZIPs, streets, phone area code and the languages people speak there."""

    key: str
    name: str
    state: str
    fips: str
    area_code: str
    streets: tuple[str, ...]
    languages: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        """`Alameda County, CA`."""
        return f"{self.name}, {self.state}"

    @property
    def zips(self) -> tuple[Zip, ...]:
        """Standard, active ZIPs of the county with a centroid."""
        return _zips(self.name, self.state)

    def address(self, rng: random.Random) -> tuple[str, Zip]:
        """A plausible street address in a random ZIP of the county."""
        place = rng.choice(self.zips)
        return f"{rng.randint(100, 9899)} {rng.choice(self.streets)}", place

    def phone(self, rng: random.Random) -> str:
        """A number in the 555-0100..0199 range, which is reserved for fiction."""
        return f"({self.area_code}) 555-01{rng.randint(0, 99):02d}"


@cache
def _zips(county: str, state: str) -> tuple[Zip, ...]:
    rows = zipcodes.filter_by(  # type: ignore[no-untyped-call]
        state=state, county=county, zip_code_type="STANDARD", active=True
    )
    found = tuple(
        Zip(r["zip_code"], r["city"], r["state"], float(r["lat"]), float(r["long"]), r["timezone"])
        for r in rows
        if r.get("lat") and r.get("long") and r.get("timezone")
    )
    if not found:
        raise LookupError(f"no ZIP codes for {county}, {state}")
    return found


COUNTIES: tuple[County, ...] = (
    County(
        key="alameda",
        name="Alameda County",
        state="CA",
        fips="06001",
        area_code="510",
        streets=(
            "International Blvd", "Telegraph Ave", "San Pablo Ave", "MacArthur Blvd",
            "Foothill Blvd", "Mission Blvd", "E 14th St", "Shattuck Ave", "Broadway",
            "Fruitvale Ave", "Hesperian Blvd", "Webster St", "A St", "Fremont Blvd",
        ),
        languages=(("es", "Spanish"), ("zh", "Chinese"), ("vi", "Vietnamese"), ("tl", "Tagalog")),
    ),
    County(
        key="cook",
        name="Cook County",
        state="IL",
        fips="17031",
        area_code="312",
        streets=(
            "W Madison St", "S Western Ave", "S Cicero Ave", "S Halsted St", "S Ashland Ave",
            "S Pulaski Rd", "W Roosevelt Rd", "W Cermak Rd", "W 63rd St", "N Milwaukee Ave",
            "W Devon Ave", "S Kedzie Ave", "N Clark St", "E 79th St",
        ),
        languages=(("es", "Spanish"), ("pl", "Polish"), ("ar", "Arabic"), ("zh", "Chinese")),
    ),
    County(
        key="king",
        name="King County",
        state="WA",
        fips="53033",
        area_code="206",
        streets=(
            "Rainier Ave S", "Aurora Ave N", "Pacific Hwy S", "Martin Luther King Jr Way S",
            "15th Ave NE", "Delridge Way SW", "Bellevue Way NE", "Auburn Way N", "NE 8th St",
            "SW 152nd St", "3rd Ave", "S Jackson St", "Lake City Way NE", "Renton Ave S",
        ),
        languages=(("es", "Spanish"), ("vi", "Vietnamese"), ("so", "Somali"), ("am", "Amharic")),
    ),
)  # fmt: skip
