"""The SSRF guard: webhooks go to http(s) URLs on public addresses only.

A URL is checked when an endpoint is saved (scheme, host, an address literal) and again at every
attempt, on the addresses its host resolves to then; the connection is made to the address checked
(kb.webhooks.transport), so a DNS answer that changes in between cannot point it elsewhere. Private,
loopback, link-local, multicast and reserved addresses are refused unless ``KB_WEBHOOK_ALLOW_PRIVATE``.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

SCHEMES = ("http", "https")


class Refused(ValueError):
    """The URL may not receive webhooks; the message says why."""


def check_url(url: str, *, allow_private: bool) -> SplitResult:
    """The URL split, if it may be saved: http(s), a host, no credentials, no address refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"Not a valid URL: {exc}.") from exc
    if parts.scheme not in SCHEMES:
        raise Refused("Send an http or https URL.")
    if not parts.hostname:
        raise Refused("The URL needs a host.")
    if parts.username is not None or parts.password is not None:
        raise Refused("Send the URL without credentials: deliveries are signed instead.")
    if port == 0:
        raise Refused("Port 0 is not a port.")
    host = parts.hostname
    if not allow_private:
        if host == "localhost" or host.endswith(".localhost"):
            raise Refused("localhost may not receive webhooks.")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return parts  # a name: its addresses are checked at each attempt
        _check_address(address)
    return parts


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The first address of ``host`` to connect to; refused when any of its addresses is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConnectionError(f"cannot resolve {host}: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise ConnectionError(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            _check_address(ipaddress.ip_address(address.split("%", 1)[0]))
    return addresses[0]


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    ):
        raise Refused(
            f"{address} is a private, loopback, link-local or reserved address: webhooks go to public "
            "addresses only (KB_WEBHOOK_ALLOW_PRIVATE allows others)."
        )
