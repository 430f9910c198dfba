"""Outbound HTTP, safe by default: every feed and page fetch goes to a public address only.

A feed, a redirect or an entry's link are chosen by whoever writes the feed, so each hop is
checked before it is fetched: ``http``/``https`` only, the scheme's standard port, and a
host whose every address (IPv4 and IPv6, and the IPv4 address an IPv6 one carries: mapped,
6to4, NAT64, Teredo) is public: no loopback,
private, link-local (cloud metadata at 169.254.169.254), multicast, reserved or unspecified
address. The connection then goes to the very address that was checked (the request names
the host in ``Host`` and in TLS SNI), so a second DNS answer cannot slip a private address in.

An operator allows an intranet feed, and the tests their servers on 127.0.0.1, by naming
``host`` or ``host:port`` in ``HOITIN_FEED_ALLOW``; nothing else turns the check off.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

USER_AGENT = "HoiTin/0.1 (+https://github.com/; news question answering bot)"
MAX_REDIRECTS = 5
_PORTS = {"http": 80, "https": 443}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """A feed or page could not be fetched; the message says why, for /feeds and the logs."""


class FetchRefused(FetchError):
    """The address is one the bot does not fetch (private, loopback, a non-standard port …)."""


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address in the last 32 bits


def _carried(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: IPv4-mapped, 6to4 (2002::/16), NAT64 and
    Teredo (its server and client). A router on the way delivers to those, so they are checked."""
    carried = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address in _NAT64:
        carried.append(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
    if address.teredo is not None:
        carried.extend(address.teredo)
    return carried


def address_refusal(address: Address) -> str | None:
    """Why the bot will not connect to ``address``, or None when it is a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in _carried(address):
            if (why := address_refusal(inner)) is not None:
                return f"{address} carries {inner}: {why}"
        if address.ipv4_mapped is not None:
            return None
    for refused, kind in (
        (address.is_unspecified, "unspecified"), (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"), (address.is_multicast, "multicast"),
        (address.is_reserved, "reserved"), (address.is_private, "private"), (not address.is_global, "non-public"),
    ):
        if refused:
            return f"{address} is a {kind} address"
    return None


@dataclass(frozen=True)
class Target:
    """A URL checked for fetching, and the address to connect to."""

    url: httpx.URL
    address: str


@dataclass(frozen=True)
class OutboundPolicy:
    """Which hosts the bot may fetch from: public ones, plus those the operator allowed."""

    allowed: frozenset[str]  # "host" (any port) or "host:port", lower case

    def _allows(self, host: str, port: int) -> bool:
        return host in self.allowed or f"{host}:{port}" in self.allowed

    async def check(self, url: str) -> Target:
        """The URL's target, or :class:`FetchRefused` saying why it may not be fetched."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise FetchRefused(f"not a URL: {exc}") from None
        scheme, host = parsed.scheme.lower(), (parsed.host or "").lower()
        if scheme not in _PORTS or not host:
            raise FetchRefused(f"only http and https addresses with a host are fetched, not {url[:100]!r}")
        port = parsed.port or _PORTS[scheme]
        allowed = self._allows(host, port)
        if port != _PORTS[scheme] and not allowed:
            raise FetchRefused(f"port {port} is not the standard {scheme} port")
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not allowed:
            for address in addresses:
                if (why := address_refusal(address)) is not None:
                    raise FetchRefused(f"{host} resolves to {why}")
        return Target(parsed, str(addresses[0]))

    async def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched, or None (a name that does not resolve is no refusal:
        the feed may come back, and its polls will say so)."""
        try:
            await self.check(url)
        except FetchRefused as exc:
            return str(exc)
        except FetchError:
            return None
        return None


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 (not modified)
    body: bytes
    etag: str | None
    last_modified: str | None


class Fetcher:
    """GET with validators, a timeout, a size cap and the policy checked at every hop."""

    def __init__(self, policy: OutboundPolicy, timeout: float, max_bytes: int,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy
        self.timeout = timeout
        self.max_bytes = max_bytes
        # Redirects are followed here, one checked hop at a time, never by httpx on its own.
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=False,
                                         headers={"User-Agent": USER_AGENT}, transport=transport)

    async def close(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """The body at ``url`` (200) or a 304; :class:`FetchError` for anything else.

        ``timeout`` bounds the whole fetch (look-ups, redirects, every read), not each read
        alone: a server sending a byte every few seconds is cut off all the same."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._fetch(url, etag, last_modified)
        except TimeoutError:
            raise FetchError(f"timed out after {self.timeout:.0f} s") from None

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            target = await self.policy.check(url)
            try:
                fetched, location = await self._get(target, headers)
            except httpx.TimeoutException:
                raise FetchError(f"timed out after {self.timeout:.0f} s") from None
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, ValueError) as exc:
                # InvalidURL and StreamError are no HTTPError: a bad Location once escaped here
                # and failed the whole feed's poll (issue 27, M1).
                raise FetchError(f"{type(exc).__name__}: {str(exc)[:200]}") from None
            if fetched is not None:
                return fetched
            url = urljoin(str(target.url), location)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    async def _get(self, target: Target, headers: dict[str, str]) -> tuple[Fetched | None, str]:
        """One hop: the answer, or (None, the redirect's location)."""
        host = target.url.host
        port = target.url.port
        direct = target.url.copy_with(host=target.address)
        hop_headers = {**headers, "Host": host if port is None else f"{host}:{port}"}
        async with self._client.stream("GET", direct, headers=hop_headers,
                                       extensions={"sni_hostname": host}) as response:
            if response.status_code in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                return None, response.headers["Location"]
            if response.status_code == 304:
                return Fetched(304, b"", headers.get("If-None-Match"), headers.get("If-Modified-Since")), ""
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchError(f"response of {int(declared):,} bytes is over the {self.max_bytes:,}-byte cap")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchError(f"response is over the {self.max_bytes:,}-byte cap")
            return Fetched(200, bytes(body), response.headers.get("ETag"), response.headers.get("Last-Modified")), ""
