"""The *Access keys* panel of a Security credentials page (a user's tab, or My security
credentials for the signed-in principal, the root user included).

Each part is what its IAM read returns, as AWS's console calls them: the keys
(``iam:ListAccessKeys``), their last use (``iam:GetAccessKeyLastUsed``) and their
descriptions (the user's tags, ``iam:ListUserTags``), each on the owner's ARN with its tags.
A refused part shows AWS's AccessDenied in its place. One query for the keys.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from policies.authz import authorize

from .. import access_keys, tags
from ..models import User

QUOTA_REACHED = ("You can have a maximum of two access keys (active or inactive) at a time. "
                 "To create a new access key, deactivate and delete one of your existing keys.")


def key_urls(subject: User, self_service: bool) -> dict[str, str]:
    """The URLs of the access-key pages of ``subject`` (``create``, ``retrieve``, ``status``,
    ``delete``): under My security credentials, or under the user's page."""
    names = ("create", "retrieve", "status", "delete")
    if self_service:
        return {name: reverse(f"accounts:access_key_{name}") for name in names}
    return {name: reverse(f"accounts:user_access_key_{name}", args=[subject.user_name]) for name in names}


def panel_context(request: Any, subject: User, *, self_service: bool) -> dict[str, Any]:
    """What ``accounts/access_keys/_panel.html`` shows for ``subject``'s keys."""
    on_subject = tags.resource_tag_context(subject)
    listed = authorize(request, "iam:ListAccessKeys", subject.arn, on_subject)
    keys = access_keys.list_access_keys(subject) if listed else []
    last_used = authorize(request, "iam:GetAccessKeyLastUsed", subject.arn, on_subject) if keys else None
    described = bool(keys) and not subject.is_root and bool(
        authorize(request, "iam:ListUserTags", subject.arn, on_subject))
    for key in keys:
        key.description = access_keys.description_of(subject, key.access_key_id) if described else ""
    return {
        "access_keys_subject": subject,
        "access_keys": keys,
        "access_keys_denied": None if listed else listed,
        "access_keys_last_used_denied": last_used if last_used is not None and not last_used else None,
        "access_keys_quota_reached": len(keys) >= access_keys.ACCESS_KEYS_PER_USER,
        "access_keys_quota_message": QUOTA_REACHED,
        "access_key_urls": key_urls(subject, self_service),
    }
