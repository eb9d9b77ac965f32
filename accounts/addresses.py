"""The client's address, as the throttles and ``aws:SourceIp`` see it.

It is the peer (``REMOTE_ADDR``), unless the peer is one of ``settings.TRUSTED_PROXIES``
(``IAMPORTAL_TRUSTED_PROXIES``): then it is the right-most address of ``X-Forwarded-For``
that is not itself a trusted proxy. Each proxy appends the address it received the request
from, so everything left of that entry was written by the client and is never read.
"""

from __future__ import annotations

from ipaddress import ip_address

from django.conf import settings

from iamportal.middleware import from_trusted_proxy


def client_address(request) -> str:
    """The address the request came from (see the module's docstring)."""
    peer = request.META.get("REMOTE_ADDR", "") or "127.0.0.1"
    if not from_trusted_proxy(request):
        return peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        try:
            address = ip_address(hop.strip())
        except ValueError:
            break  # not an address: nothing to its left can be trusted either
        if not any(address in network for network in settings.TRUSTED_PROXIES):
            return str(address)
    return peer
