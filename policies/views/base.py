"""What the policy pages share: a document as the pages show it, the policy tables'
filters, IAM's error page, where an entity's policy pages return to, and the lookups of
users, groups and roles by name. (The ``iam:PermissionsBoundary`` context of actions on a
user or role is ``services.boundary_context``.)"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.shortcuts import render

from accounts.models import Group, Role, User
from audit import services as audit
from iamportal.errors import IAMError
from iamportal.views_base import search_query

from .. import services
from ..models import JOB_FUNCTION_PATH
from ..summary import numbered_lines, summarize


PAGE_SIZE = 100


def document_context(document: str) -> dict[str, Any]:
    """A policy document as the pages show it: the permissions summary and the numbered JSON."""
    return {"summary": summarize(document), "document_lines": numbered_lines(document)}


def filter_policies(queryset, params, account):
    """The policy tables' filters: ``type`` as the console's types (``aws``: AWS managed,
    ``job-function``: AWS managed - job function, ``customer``: customer managed) and the
    search ``q`` (in names and descriptions)."""
    kind = params.get("type", "")
    if kind == "aws":
        queryset = queryset.filter(account__isnull=True).exclude(path=JOB_FUNCTION_PATH)
    elif kind == "job-function":
        queryset = queryset.filter(account__isnull=True, path=JOB_FUNCTION_PATH)
    elif kind == "customer":
        queryset = queryset.filter(account=account)
    query = search_query(params)
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(description__icontains=query))
    return queryset


def iam_error(request, exc: IAMError, back_url: str = ""):
    """A page that shows one IAM error in AWS's words, with AWS's HTTP status (and, for a
    POST, the failed call's record in the audit trail)."""
    audit.failed(request, exc)
    return render(
        request, "policies/iam_error.html", {"error": exc, "back_url": back_url}, status=exc.status
    )


def entity_url(subject: User | Group | Role) -> str:
    """Where to go back to after changing a user's, group's or role's policies: the
    Permissions tab of its detail page."""
    return subject.get_absolute_url() + "?tab=permissions"


#: ``ENTITY_LOOKUPS[kind](account, name)``: a user, group or role of the account, or
#: ``NoSuchEntity`` (a 404 through ``get_or_404``).
ENTITY_LOOKUPS = services.ENTITY_LOOKUPS
