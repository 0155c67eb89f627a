"""The HSDS 3.0 REST facade: read-only public directory data in the HSDS Page shape."""

from hub.web.hsds.routes import hsds_mount, hsds_routes

__all__ = ["hsds_mount", "hsds_routes"]
