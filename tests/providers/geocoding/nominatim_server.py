"""A tiny local HTTP server speaking Nominatim's JSON wire format, counting requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.loopback import serving

BROADWAY = {
    "place_id": 1234,
    "licence": "Data (c) OpenStreetMap contributors, ODbL 1.0.",
    "osm_type": "way",
    "osm_id": 5678,
    "lat": "37.8044557",
    "lon": "-122.2713563",
    "class": "building",
    "type": "yes",
    "addresstype": "building",
    "place_rank": 30,
    "importance": 0.2,
    "name": "",
    "display_name": (
        "1600, Broadway, Downtown Oakland, Oakland, Alameda County, California, 94612, "
        "United States"
    ),
    "boundingbox": ["37.8044", "37.8045", "-122.2714", "-122.2713"],
}


@dataclass
class FakeNominatim:
    """Answers /search and /reverse; `fail` makes every request a 500."""

    fail: bool = False
    paths: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def answer(self, path: str, query: dict[str, list[str]]) -> Any:
        if path == "/search":
            q = query.get("q", [""])[0].lower()
            return [BROADWAY] if "broadway" in q else []
        if path == "/reverse":
            return BROADWAY
        return None


@contextmanager
def nominatim_server(fail: bool = False) -> Iterator[FakeNominatim]:
    """Run the fake service on a free loopback port for the duration of a test."""
    state = FakeNominatim(fail=fail)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            state.paths.append(url.path)
            if state.fail:
                self.send_response(500)
                self.end_headers()
                self.wfile.write(b"Internal Server Error")
                return
            body = json.dumps(state.answer(url.path, parse_qs(url.query))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler) as port:
        state.port = port
        yield state
