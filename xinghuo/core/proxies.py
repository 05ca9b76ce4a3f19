"""The client's address, taken from X-Forwarded-For only as far as our own proxies vouch.

REMOTE_ADDR is the peer of the web process. Behind reverse proxies the real client is in
X-Forwarded-For, which anybody can also send: each proxy *appends* the address it saw, so
only the right-most entries, written by proxies we run, can be believed. Two settings say
which ones (docs/operations.md):

- ``TRUSTED_PROXIES``: addresses or networks of our proxies. Walking the chain from the
  right, every address in them is skipped; the first one not in them is the client.
- ``TRUSTED_PROXY_COUNT``: used when the list is empty — the last N hops are ours.

With neither, X-Forwarded-For is ignored and REMOTE_ADDR is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _parse(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address of the client that made `request`, as far as our proxies can tell."""
    remote = _parse(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))
    count = settings.TRUSTED_PROXY_COUNT
    if not trusted and count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    # Right to left: REMOTE_ADDR, then what the nearest proxy saw, and so on.
    chain = [remote, *reversed([p for p in forwarded.split(",") if p.strip()])]
    if trusted:
        client = remote
        for hop in chain:
            address = _parse(hop)
            if address is None:  # garbage a client wrote: stop at the last real hop
                return client
            client = address
            if not any(ipaddress.ip_address(address) in net for net in trusted):
                return client
        return client  # every hop is ours: the left-most one is as far as we can see
    # The last `count` hops are our proxies; the one before them is the client.
    client = remote
    for hop in chain[1 : count + 1]:
        address = _parse(hop)
        if address is None:
            return client
        client = address
    return client
