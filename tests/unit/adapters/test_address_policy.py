"""The address policy of metadata-document fetches: public unicast addresses only."""

from __future__ import annotations

import ipaddress

import pytest

from remotemcp.adapters.address_policy import public_address_problem

REFUSED = [
    pytest.param("10.0.0.1", "private", id="10/8"),
    pytest.param("10.255.255.254", "private", id="10/8-top"),
    pytest.param("172.16.0.1", "private", id="172.16/12"),
    pytest.param("172.31.255.254", "private", id="172.16/12-top"),
    pytest.param("192.168.1.1", "private", id="192.168/16"),
    pytest.param("127.0.0.1", "loopback", id="127.0.0.1"),
    pytest.param("127.1.2.3", "loopback", id="127/8"),
    pytest.param("::1", "loopback", id="::1"),
    pytest.param("fe80::1", "link-local", id="fe80::"),
    pytest.param("::ffff:127.0.0.1", "IPv4-mapped 127.0.0.1: loopback", id="mapped-loopback"),
    pytest.param("::ffff:10.0.0.1", "IPv4-mapped 10.0.0.1: private", id="mapped-private"),
    pytest.param("::ffff:169.254.169.254", "IPv4-mapped 169.254.169.254: link-local", id="mapped-metadata"),
    pytest.param("169.254.169.254", "link-local", id="cloud-metadata"),
    pytest.param("0.0.0.0", "unspecified", id="0.0.0.0"),  # noqa: S104
    pytest.param("::", "unspecified", id="::"),
    pytest.param("224.0.0.1", "multicast", id="224/4"),
    pytest.param("ff02::1", "multicast", id="ff00::/8"),
    pytest.param("fc00::1", "private", id="fc00::/7"),
    pytest.param("fd12:3456::1", "private", id="fd00::/8"),
    pytest.param("fec0::1", "site-local", id="fec0::/10"),
    pytest.param("100.64.0.1", "non-global", id="cgnat"),
    pytest.param("240.0.0.1", "private", id="240/4"),
    pytest.param("255.255.255.255", "private", id="broadcast"),
    pytest.param("192.0.2.1", "private", id="documentation"),
    pytest.param("2002:c0a8:0101::1", "6to4 192.168.1.1: private", id="6to4-private"),
    pytest.param("2002:7f00:0001::1", "6to4 127.0.0.1: loopback", id="6to4-loopback"),
    pytest.param("64:ff9b::a00:1", "NAT64 10.0.0.1: private", id="nat64-private"),
    pytest.param("64:ff9b:1::1", "local-use NAT64", id="nat64-local-use"),
    pytest.param("::127.0.0.1", "reserved", id="ipv4-compatible"),
]

ALLOWED = [
    "8.8.8.8",
    "93.184.216.34",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "2002:0808:0808::1",
]


@pytest.mark.parametrize(("text", "kind"), REFUSED)
def test_refused_addresses_name_the_reason(text: str, kind: str) -> None:
    problem = public_address_problem(ipaddress.ip_address(text))
    assert problem is not None
    assert problem.endswith(f"is not a public address ({kind})")


@pytest.mark.parametrize("text", ALLOWED)
def test_public_unicast_addresses_are_allowed(text: str) -> None:
    assert public_address_problem(ipaddress.ip_address(text)) is None
