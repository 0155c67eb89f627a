"""Referral network hub: assembly (app, CLI, worker) and the shared core."""

__version__ = "0.1.0"
