"""Shared core: settings, database, errors, clock, ids, outbox events and security primitives."""
