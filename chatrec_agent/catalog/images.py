"""Item images: a catalog's optional `image_url` column, shown as a card's poster or cover.

Slack and Discord fetch the image themselves, from the address the catalog gives; only a
public https address is taken, so a catalog row cannot point their fetchers (or anyone
reading the card) at a private network or at plain http. Without resolving names (this runs
offline), a host is judged as browsers parse it: any host ending in a number is an IPv4
address in some notation ("127.1", "0x7f.1", "2130706433") and must be a public one written
plainly; escapes, backslashes, non-ASCII and spaces are refused rather than interpreted."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_PRIVATE_SUFFIXES = (".local", ".localhost", ".localdomain", ".internal", ".lan", ".home", ".corp", ".intranet", ".svc")
# IPv6 ranges that carry an IPv4 address inside (NAT64, IPv4-compatible): judged by that address.
_EMBEDDING = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
MAX_URL = 2000  # Slack's image_url limit is 3000; Discord's embed URLs 2048


def public_image_url(value: str) -> str:
    """The address itself when it is a public https URL; ValueError saying why otherwise."""
    url = value.strip()
    if len(url) > MAX_URL:
        raise ValueError(f"image_url longer than {MAX_URL} characters")
    shown = repr(url[:80])
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ValueError(f"image_url {shown} is not a URL: {exc}") from None
    if parts.scheme.lower() != "https":
        raise ValueError(f"image_url {shown} must be https")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"image_url {shown} needs a host and no user name or password")
    if not url.isascii() or any(c.isspace() or c == "\\" for c in url) or "%" in parts.netloc:
        raise ValueError(f"image_url {shown} is not a public host written plainly (escapes, spaces or non-ASCII)")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise ValueError(f"image_url {shown} needs a host and no user name or password")
    if parts.netloc.rsplit("@", 1)[-1].startswith("["):
        try:
            address6 = ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"image_url {shown} is not a URL: a malformed IPv6 address") from None
        _public_address(address6, shown)
    elif _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        try:
            address = ipaddress.IPv4Address(host)  # only the plain dotted form: 127.1, 0x7f.1 are refused
        except ValueError:
            raise ValueError(f"image_url {shown} is not a public host (an address in an unusual notation)") from None
        _public_address(address, shown)
    elif "." not in host or host == "localhost" or host.endswith(_PRIVATE_SUFFIXES):
        raise ValueError(f"image_url {shown} points at a private host name")
    return url


def _public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, shown: str) -> None:
    inner: ipaddress.IPv4Address | None = None
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and any(address in net for net in _EMBEDDING):
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if not address.is_global or (inner is not None and not inner.is_global):
        raise ValueError(f"image_url {shown} points at a private or reserved address")
