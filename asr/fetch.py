"""Fetch a remote file for the worker (`audio_url`) without letting a caller reach what they should not.

Every hop (the address and each redirect, followed by hand) is resolved once and checked: only public
addresses (no loopback, private, link-local, multicast, reserved or unspecified ones, whatever way the host is
written: `localhost`, `0x7f000001`, `2130706433`, `[::ffff:127.0.0.1]`), unless the operator named the host in
PREPIS_WORKER_URL_HOSTS; the connection goes to the address that was checked (no second lookup for DNS to
change). Deadlines: to connect, between two reads, and for the whole fetch; the size is capped while the body
streams. Credentials in the URL are refused. Every refusal and failure raises the same FetchError sentence,
so an answer tells nothing about the target; the reason goes to the worker's log (host only, never the URL's
path, query or credentials).
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from asr.errors import RequestError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0  # seconds to open the connection
READ_TIMEOUT = 15.0  # seconds without data before giving up
TOTAL_TIMEOUT = 120.0  # seconds for the whole fetch, redirects included
MAX_REDIRECTS = 5
BLOCK = 1 << 16  # bytes per read
PORTS = {"http": 80, "https": 443}
URL_ALL = "*"  # PREPIS_WORKER_URL_HOSTS value: any public address (the default)
URL_OFF = "off"  # PREPIS_WORKER_URL_HOSTS value: no audio_url at all


class FetchError(RequestError):
    """The one answer for every refused or failed fetch."""

    def __init__(self, max_bytes: int):
        super().__init__(
            f"audio_url could not be used: it must be a public http(s) address without a user name or password "
            f"that sends the file within {TOTAL_TIMEOUT:.0f} s and is at most {max_bytes / 1024**2:g} MB. "
            "Send the file's bytes as audio_base64 instead.", key="fetch")


class _Refused(Exception):
    """Why one fetch was refused (for the worker's log only)."""


@dataclass(frozen=True)
class FetchPolicy:
    """Where audio_url may point: `hosts` are exact `host` or `host:port` names the operator allows (then only
    those, private addresses included); empty: any public address; `enabled=False`: none."""

    hosts: frozenset[str] = frozenset()
    enabled: bool = True
    total_timeout: float = TOTAL_TIMEOUT

    @classmethod
    def parse(cls, text: str) -> FetchPolicy:
        """PREPIS_WORKER_URL_HOSTS: `*` (default), `off`, or hosts (`media.example.org,10.0.0.5:8080`)."""
        text = text.strip().lower()
        if text in ("", URL_ALL):
            return cls()
        if text == URL_OFF:
            return cls(enabled=False)
        return cls(hosts=frozenset(h.strip() for h in text.split(",") if h.strip()))

    def allows_host(self, host: str, port: int) -> bool | None:
        """True: named by the operator; False: not allowed; None: allowed if its addresses are public."""
        if not self.enabled:
            return False
        if not self.hosts:
            return None
        return host in self.hosts or f"{host}:{port}" in self.hosts


def is_public(address: str) -> bool:
    """An address on the public internet (IPv4-mapped IPv6 is judged as the IPv4 it carries)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
                                 or ip.is_private or ip.is_unspecified)


def fetch(url: object, max_bytes: int, policy: FetchPolicy = FetchPolicy()) -> bytes:
    """The body of `url` (at most max_bytes), following redirects; FetchError for anything refused or failed."""
    deadline = time.monotonic() + policy.total_timeout
    try:
        for _ in range(MAX_REDIRECTS + 1):
            status, location, body = _get(url, max_bytes, policy, deadline)
            if location is None:
                return body
            url = urljoin(url, location)
        raise _Refused(f"more than {MAX_REDIRECTS} redirects")
    except (_Refused, OSError, http.client.HTTPException, ValueError, UnicodeError) as e:
        host = urlsplit(url).hostname if isinstance(url, str) else None
        log.info("audio_url refused (host %s): %s", host, e if isinstance(e, _Refused) else type(e).__name__)
        raise FetchError(max_bytes) from None


def _target(url: object, policy: FetchPolicy) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, checked address, path with query) of one hop, or _Refused."""
    if not isinstance(url, str) or len(url) > 8192:
        raise _Refused("not a URL")
    parts = urlsplit(url)
    if parts.scheme not in PORTS or not parts.hostname:
        raise _Refused("not http(s)")
    if parts.username is not None or parts.password is not None:
        raise _Refused("credentials in the URL")
    host, port = parts.hostname, parts.port or PORTS[parts.scheme]
    allowed = policy.allows_host(host, port)
    if allowed is False:
        raise _Refused("host not allowed")
    addresses = [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    if allowed is None and not all(is_public(a) for a in addresses):
        raise _Refused("not a public address")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port, addresses[0], path


def _get(url: object, max_bytes: int, policy: FetchPolicy, deadline: float) -> tuple[int, str | None, bytes]:
    scheme, host, port, address, path = _target(url, policy)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _Refused("deadline passed")
    raw = socket.create_connection((address, port), timeout=min(CONNECT_TIMEOUT, remaining))
    raw.settimeout(READ_TIMEOUT)
    sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host) if scheme == "https" else raw
    # the whole fetch ends at the deadline, however slowly a server drips its headers or body
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, (sock,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection = http.client.HTTPConnection(host, port)
        connection.sock = sock
        connection.request("GET", path, headers={"Host": host if port == PORTS[scheme] else f"{host}:{port}",
                                                 "Accept-Encoding": "identity", "Connection": "close"})
        response = connection.getresponse()
        if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
            return response.status, response.getheader("Location"), b""
        if response.status != 200:
            raise _Refused(f"HTTP {response.status}")
        return response.status, None, _read(response, max_bytes, deadline)
    finally:
        watchdog.cancel()
        sock.close()


def _read(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    length = response.getheader("Content-Length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise _Refused("Content-Length over the limit")
    data = bytearray()
    while block := response.read1(BLOCK):
        data += block
        if len(data) > max_bytes:
            raise _Refused("body over the limit")
        if time.monotonic() > deadline:
            raise _Refused("deadline passed")
    return bytes(data)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
