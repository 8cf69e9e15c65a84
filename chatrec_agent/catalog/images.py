"""Item images: a catalog's optional `image_url` column, shown as a card's poster or cover.

Slack and Discord fetch the image themselves, from the address the catalog gives; only a
public https address is taken, so a catalog row cannot point their fetchers (or anyone
reading the card) at a private network or at plain http."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

_PRIVATE_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home", ".corp", ".intranet")
MAX_URL = 2000  # Slack's image_url limit is 3000; Discord's embed URLs 2048


def public_image_url(value: str) -> str:
    """The address itself when it is a public https URL; ValueError saying why otherwise."""
    url = value.strip()
    if len(url) > MAX_URL:
        raise ValueError(f"image_url longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ValueError(f"image_url {url[:80]!r} is not a URL: {exc}") from None
    if parts.scheme.lower() != "https":
        raise ValueError(f"image_url {url[:80]!r} must be https")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host or parts.username is not None or parts.password is not None:
        raise ValueError(f"image_url {url[:80]!r} needs a host and no user name or password")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and not address.is_global:
        raise ValueError(f"image_url {url[:80]!r} points at a private or reserved address")
    if address is None and ("." not in host or host == "localhost" or host.endswith(_PRIVATE_SUFFIXES)):
        raise ValueError(f"image_url {url[:80]!r} points at a private host name")
    return url
