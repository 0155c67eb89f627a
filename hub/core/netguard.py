"""Outbound address guard (SSRF): only public addresses, checked at connect time and pinned."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Collection, Iterable
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVE_TIMEOUT_SECONDS = 5.0


class BlockedAddress(Exception):
    """The host is, or resolves to, an address outbound requests may not reach."""


class Unresolvable(Exception):
    """The host name has no address (now)."""


def normalize_host(host: str) -> str:
    """Lower-case a host and drop IPv6 brackets, as hosts are compared."""
    return host.strip().strip("[]").lower().rstrip(".")


def is_public(address: IPAddress) -> bool:
    """True for globally routable unicast addresses (not loopback, private, link-local ...)."""
    if isinstance(address, ipaddress.IPv6Address):
        # ::ffff:10.0.0.1 and 64:ff9b::/96 (NAT64) would reach an IPv4 address: judge that one.
        mapped = address.ipv4_mapped or _nat64(address)
        if mapped is not None:
            return is_public(mapped)
    return address.is_global and not address.is_multicast


def _nat64(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address a host literally is (`10.0.0.1`, `[::1]`), or None for a name."""
    try:
        return ipaddress.ip_address(normalize_host(host))
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address a host resolves to (one lookup, bounded in time)."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(normalize_host(host), port, type=socket.SOCK_STREAM),
            RESOLVE_TIMEOUT_SECONDS,
        )
    except (OSError, UnicodeError, TimeoutError) as exc:
        raise Unresolvable(host) from exc
    found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not found:
        raise Unresolvable(host)
    return list(dict.fromkeys(found))


async def public_addresses(
    host: str, port: int, *, allowed_hosts: Collection[str] = ()
) -> list[IPAddress]:
    """Resolve a host and refuse it unless every address is public (or the host is allowed)."""
    addresses = await resolve(host, port)
    if normalize_host(host) in allowed_hosts:
        return addresses
    # One private answer refuses the host: a name mixing both is a rebinding attempt.
    if not all(is_public(a) for a in addresses):
        raise BlockedAddress(host)
    return addresses


def allowed_set(hosts: Iterable[str]) -> frozenset[str]:
    """Normalize a configured allow-list of host names or addresses."""
    return frozenset(normalize_host(h) for h in hosts if h.strip())


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to checked addresses: the check and the connection use the same lookup."""

    def __init__(self, *, allowed_hosts: Collection[str] = ()) -> None:
        self.allowed_hosts = allowed_set(allowed_hosts)
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, check, then connect to a checked address (TLS still verifies the name)."""
        try:
            addresses = await public_addresses(host, port, allowed_hosts=self.allowed_hosts)
        except (BlockedAddress, Unresolvable) as exc:
            raise httpcore.ConnectError(type(exc).__name__) from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never an outbound destination."""
        raise httpcore.ConnectError("BlockedAddress")

    async def sleep(self, seconds: float) -> None:
        """Sleep on the inner backend."""
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx transport whose every connection goes through the address guard."""

    def __init__(self, *, allowed_hosts: Collection[str] = (), limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        ssl_context = httpx.create_ssl_context(trust_env=False)
        # httpx does not take a network backend; the pool is rebuilt with ours (same options).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedNetworkBackend(allowed_hosts=allowed_hosts),
        )


def guarded_client(
    *, allowed_hosts: Collection[str] = (), timeout: float, limits: httpx.Limits | None = None
) -> httpx.AsyncClient:
    """An HTTP client for requests to addresses third parties chose: guarded, no redirects."""
    return httpx.AsyncClient(
        transport=GuardedTransport(
            allowed_hosts=allowed_hosts, limits=limits or httpx.Limits(max_connections=50)
        ),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
