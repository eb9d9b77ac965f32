"""Deployment middleware: the scheme a trusted proxy reports, and the Content-Security-Policy.

- :class:`TrustedProxySchemeMiddleware`: ``X-Forwarded-Proto`` counts only when the peer
  (``REMOTE_ADDR``) is one of ``settings.TRUSTED_PROXIES``; anyone else's header is ignored,
  so a client that reaches gunicorn directly cannot make ``request.is_secure()`` (and
  ``aws:SecureTransport``) true. It replaces Django's ``SECURE_PROXY_SSL_HEADER``, which
  trusts the header from every peer.
- :class:`ContentSecurityPolicyMiddleware`: ``settings.CONTENT_SECURITY_POLICY`` on every
  response. The templates hold no inline script or style (``tests/test_deployment.py``).
"""

from __future__ import annotations

from ipaddress import ip_address

from django.conf import settings


def from_trusted_proxy(request) -> bool:
    """Whether the request's peer is one of ``settings.TRUSTED_PROXIES``."""
    try:
        peer = ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in network for network in settings.TRUSTED_PROXIES)


class TrustedProxySchemeMiddleware:
    """Take the scheme from ``X-Forwarded-Proto`` when a trusted proxy sent the request.

    Placed first, before ``SecurityMiddleware`` (its HTTPS redirect reads the scheme).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        forwarded = request.META.get("HTTP_X_FORWARDED_PROTO")
        if forwarded and from_trusted_proxy(request):
            # The proxy's own value comes first when proxies are chained ("https, http").
            scheme = forwarded.split(",", 1)[0].strip().lower()
            request.META["wsgi.url_scheme"] = "https" if scheme == "https" else "http"
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send ``Content-Security-Policy`` on every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
