"""`hub demo`: a realistic, deterministic demo network (three counties, ~1,000 services, users)."""
