"""Which network addresses a server-side fetch may reach: public unicast addresses only.

A Client ID Metadata Document URL is chosen by whoever sends a client_id, so fetching it lets a
stranger make this server open connections. Without this check the URL could point at the
cloud metadata service (169.254.169.254), an admin port on localhost or a host on the private
network (SSRF). IPv6 forms that carry an IPv4 address (IPv4-mapped, 6to4, NAT64) are judged by
the IPv4 address they lead to.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

AddressPolicy = Callable[[IPAddress], "str | None"]
"""Says why an address must not be connected to, or None when it may be."""

_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    if address in _NAT64_WELL_KNOWN:
        return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _kind(address: IPAddress) -> str | None:
    # Order matters only for the message: the most specific name wins.
    checks: tuple[tuple[bool, str], ...] = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "site-local"),
        (isinstance(address, ipaddress.IPv6Address) and address in _NAT64_LOCAL_USE, "local-use NAT64"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        # Shared address space (100.64.0.0/10), documentation ranges and the like.
        (not address.is_global, "non-global"),
    )
    for matched, kind in checks:
        if matched:
            return kind
    return None


def public_address_problem(address: IPAddress) -> str | None:
    """Why `address` is not a public unicast address, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            form, ipv4 = embedded
            kind = _kind(ipv4)
            return None if kind is None else f"{address} is not a public address ({form} {ipv4}: {kind})"
    kind = _kind(address)
    return None if kind is None else f"{address} is not a public address ({kind})"
