"""Directory tables, named after HSDS 3.0 objects."""

from providers.models.enums import (
    AddressType,
    AidType,
    CapacityStatus,
    DeliveryMode,
    GeocodePrecision,
    GeocodeStatus,
    LocationType,
    ScheduleFit,
    ScheduleFrequency,
    ServiceStatus,
    Weekday,
)
from providers.models.location import (
    Accessibility,
    Address,
    Location,
    Phone,
    Schedule,
    ServiceAtLocation,
)
from providers.models.metadata import Metadata
from providers.models.organization import (
    Contact,
    Funding,
    Organization,
    OrganizationIdentifier,
    Program,
)
from providers.models.service import (
    CostOption,
    Language,
    ProgramFacts,
    RequiredDocument,
    Service,
    ServiceArea,
    ServiceCapacity,
)
from providers.models.taxonomy import Attribute, Taxonomy, TaxonomyTerm

__all__ = [
    "Accessibility",
    "Address",
    "AddressType",
    "AidType",
    "Attribute",
    "CapacityStatus",
    "Contact",
    "CostOption",
    "DeliveryMode",
    "Funding",
    "GeocodePrecision",
    "GeocodeStatus",
    "Language",
    "Location",
    "LocationType",
    "Metadata",
    "Organization",
    "OrganizationIdentifier",
    "Phone",
    "Program",
    "ProgramFacts",
    "RequiredDocument",
    "Schedule",
    "ScheduleFit",
    "ScheduleFrequency",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceCapacity",
    "ServiceStatus",
    "Taxonomy",
    "TaxonomyTerm",
    "Weekday",
]
