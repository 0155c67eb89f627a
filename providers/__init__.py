"""The directory: organizations, programs, services, locations and taxonomy (HSDS 3.0)."""
