"""Console Home's "Recently visited": the last console pages a principal opened.

Kept in a signed cookie, not the session, so a page view costs no database write; the
cookie names the principal's ARN and is ignored for anyone else (after Switch role, or
another user on the same browser). Only the pages of :data:`LABELS` are kept, labelled
from the URL's own arguments, and only after they answered 200 to a GET: a page the
principal could not open is never listed.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

COOKIE = "iamportal_recent"
SALT = "iamportal.recent"
KEEP = 5
MAX_AGE = 30 * 24 * 3600

LABELS = {
    "iamportal:dashboard": "IAM dashboard",
    "accounts:user_list": "Users",
    "accounts:user_detail": "User {name}",
    "accounts:group_list": "User groups",
    "accounts:group_detail": "User group {group_name}",
    "accounts:role_list": "Roles",
    "accounts:role_detail": "Role {role_name}",
    "policies:policy_list": "Policies",
    "policies:policy_detail": "Policy {name}",
    "policies:simulator": "Policy simulator",
    "accounts:account_settings": "Account settings",
    "accounts:credential_report": "Credential report",
    "accounts:security_credentials": "Security credentials",
}


def visited(request: Any) -> list[dict[str, str]]:
    """The pages the caller of ``request`` opened last, newest first: ``{"label", "path"}``."""
    identity = getattr(request, "iam", None)
    raw = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=MAX_AGE)
    if identity is None or raw is None:
        return []
    try:
        kept = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(kept, dict) or kept.get("arn") != identity.arn or not isinstance(kept.get("pages"), list):
        return []
    return [page for page in kept["pages"][:KEEP]
            if isinstance(page, dict) and str(page.get("path", "")).startswith("/")
            and isinstance(page.get("label"), str)]


class RecentPagesMiddleware:
    """Remembers each successful GET of a page in :data:`LABELS` (after the console identity)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        match = request.resolver_match
        identity = getattr(request, "iam", None)
        if (request.method != "GET" or response.status_code != 200 or identity is None
                or match is None or match.view_name not in LABELS):
            return response
        page = {"label": LABELS[match.view_name].format(**match.kwargs), "path": request.path}
        pages = [page] + [old for old in visited(request) if old["path"] != page["path"]]
        value = json.dumps({"arn": identity.arn, "pages": pages[:KEEP]}, separators=(",", ":"))
        response.set_signed_cookie(COOKIE, value, salt=SALT, max_age=MAX_AGE, httponly=True,
                                   samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response

