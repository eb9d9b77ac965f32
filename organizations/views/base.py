"""Shared machinery of the AWS Organizations console pages (:mod:`organizations.views`).

- :class:`OrganizationMixin`: every page. It finds the caller's organization (``org``) and the one
  its account manages (``managed_org``), looks the URL's objects up in ``managed_org`` (a 404
  for any other organization's), authorises ``organizations:<Action>`` on AWS's ARN with the
  request's condition keys (``organizations:PolicyType`` for the policy operations) and, after
  that check, sends an account that manages no organization away from a management page
  (:class:`ManagementRequired`).
- :class:`OrgFormMixin`, :class:`ConfirmMixin`: a form, or a confirmation page, whose POST
  calls the services in one transaction and shows AWS Organizations' errors in AWS's words.
- The tree (:func:`build_tree`), policy targets (:func:`target_ref`) and the SCPs of each level
  of a path (:func:`policy_levels`), each in a bounded number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from audit import services as audit
from iamportal.views_base import ServiceFormMixin
from policies.authz import ActionDenied, ConditionalIAMActionMixin, access_denied, authorize

from .. import errors, services
from ..models import Member, Organization, OrganizationalUnit, PolicyTarget, ServiceControlPolicy

HOME = "organizations:organization_detail"
#: The condition key AWS gives the policy operations (and ListPoliciesForTarget).
SCP_TYPE = {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"}


def org_error(request, exc: errors.OrganizationsError, back_url: str = ""):
    """A page with one AWS Organizations error in AWS's words (404 for a missing entity), which
    the audit trail records as the failed call."""
    audit.failed(request, exc)
    status = 404 if isinstance(exc, errors.OrganizationsNotFound) else exc.status
    return render(request, "organizations/error.html", {"error": exc, "back_url": back_url}, status=status)


# ---------------------------------------------------------------------------
# The tree: root, OUs, accounts


@dataclass
class Node:
    """The root or an OU, with its child OUs and accounts (for the tree and the pickers)."""

    target_id: str
    name: str
    url: str
    depth: int = 0
    path: str = ""
    ous: list[Node] = field(default_factory=list)
    accounts: list[Member] = field(default_factory=list)

    def walk(self):
        yield self
        for ou in self.ous:
            yield from ou.walk()


def build_tree(org: Organization, ous: list[OrganizationalUnit], members: list[Member]) -> Node:
    """The organization's tree from its OUs and members (already loaded: no query)."""
    root = Node(org.root_id, "Root", reverse("organizations:root_detail", args=[org.root_id]), path="Root")
    nodes: dict[int | None, Node] = {None: root}
    for ou in sorted(ous, key=lambda ou: (len(ou.ou_ids), ou.name)):
        parent = nodes.get(ou.parent_id)
        if parent is None:  # pragma: no cover - a parent always sorts before its children
            continue
        node = Node(ou.ou_id, ou.name, reverse("organizations:ou_detail", args=[ou.ou_id]),
                    depth=parent.depth + 1, path=f"{parent.path} / {ou.name}")
        parent.ous.append(node)
        nodes[ou.pk] = node
    for member in members:
        nodes.get(member.parent_ou_id, root).accounts.append(member)
    return root


@dataclass(frozen=True)
class TargetRef:
    """A policy target of the organization: the root, an OU or an account."""

    target_id: str
    type: str  # ROOT | ORGANIZATIONAL_UNIT | ACCOUNT
    name: str
    arn: str
    url: str


def target_ref(org: Organization, target_id: str) -> TargetRef:
    """The root, OU or account ``target_id`` names in ``org`` (404 otherwise)."""
    if target_id == org.root_id:
        return TargetRef(target_id, services.ROOT, "Root", org.root_arn,
                         reverse("organizations:root_detail", args=[target_id]))
    ou = org.ous.filter(ou_id=target_id).first()
    if ou is not None:
        return TargetRef(target_id, services.ORGANIZATIONAL_UNIT, ou.name, org._arn(f"ou/{org.org_id}/{ou.ou_id}"),
                         reverse("organizations:ou_detail", args=[target_id]))
    member = org.members.filter(account__account_id=target_id).first()
    if member is not None:
        return TargetRef(target_id, services.ACCOUNT, member.name, org.account_arn(target_id),
                         reverse("organizations:account_detail", args=[target_id]))
    raise Http404(errors.TargetNotFoundException.default_message)


def attached_policies(org: Organization, target_ids: list[str]) -> dict[str, list[ServiceControlPolicy]]:
    """The SCPs attached directly to each of ``target_ids``, in one query."""
    found: dict[str, list[ServiceControlPolicy]] = {target_id: [] for target_id in target_ids}
    for attachment in (PolicyTarget.objects.filter(policy__org=org, target_id__in=target_ids)
                       .select_related("policy").order_by("-policy__aws_managed", "policy__name")):
        attachment.policy.org = org  # its ARN names the organization: no query per row
        found[attachment.target_id].append(attachment.policy)
    return found


def policy_levels(org: Organization, chain: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The levels of an effective path, ``chain`` being ``(target id, name)`` from the root down,
    each with the SCPs attached there (one query)."""
    attached = attached_policies(org, [target_id for target_id, _ in chain])
    return [{"target_id": target_id, "name": name, "policies": attached[target_id]} for target_id, name in chain]


def policies_denied(request, target_arn: str) -> str:
    """AWS's AccessDenied message when the caller may not list the target's SCPs, else ""."""
    auth = authorize(request, "organizations:ListPoliciesForTarget", target_arn, SCP_TYPE)
    return "" if auth else auth.message


def ou_chain(org: Organization, ou_ids: list[str]) -> list[tuple[str, str]]:
    """``(id, name)`` of the root and of the OUs ``ou_ids`` (top down), in one query."""
    names = dict(org.ous.filter(ou_id__in=ou_ids).values_list("ou_id", "name"))
    return [(org.root_id, "Root"), *((ou_id, names.get(ou_id, ou_id)) for ou_id in ou_ids)]


def parent_url(org: Organization, parent_id: str) -> str:
    if parent_id == org.root_id:
        return reverse("organizations:root_detail", args=[parent_id])
    return reverse("organizations:ou_detail", args=[parent_id])


# ---------------------------------------------------------------------------
# Shared view machinery


class ManagementRequired:
    """Runs after the authorisation check: a management page opened by an account that manages
    no organization goes to the organization page (GET) or gets AWS's error (POST)."""

    management_only = True

    def dispatch(self, request, *args, **kwargs):
        if self.management_only and self.managed_org is None:
            if request.method in ("GET", "HEAD"):
                messages.info(request, "This account is in no organization: create one to manage AWS accounts."
                              if self.org is None else
                              f"Only the management account of organization {self.org.org_id} manages its "
                              "accounts, organizational units, policies and invitations.")
                return redirect(HOME)
            exc = errors.AWSOrganizationsNotInUseException() if self.org is None else errors.NotManagementAccount()
            return org_error(request, exc, reverse(HOME))
        return super().dispatch(request, *args, **kwargs)


class OrganizationMixin(ConditionalIAMActionMixin, ManagementRequired):
    """A page of the caller's organization: ``org`` (the caller's, or None) and ``managed_org``
    (the one the caller's account manages, or None). :meth:`setup_org_objects` looks the page's
    objects up in ``managed_org`` with :meth:`lookup` (a 404 outside it). A policy operation
    (``policy_operation``) carries ``organizations:PolicyType``, as AWS's do."""

    policy_operation = False

    def get_condition_context(self) -> dict[str, Any]:
        return dict(SCP_TYPE) if self.policy_operation else {}

    def setup_objects(self) -> None:
        self.account = self.request.iam.account
        self.org = services.organization_of(self.account)
        self.managed_org = self.org if self.org is not None and self.org.management_account_id == self.account.pk \
            else None
        self.setup_org_objects()

    def setup_org_objects(self) -> None:
        """Look up the objects the URL names (404 when they are not the managed organization's)."""

    def lookup(self, find, *args):
        if self.managed_org is None:
            raise Http404(errors.AWSOrganizationsNotInUseException.default_message)
        try:
            return find(self.managed_org, *args)
        except errors.OrganizationsNotFound as exc:
            raise Http404(exc.message) from None

    def get_context_data(self, **kwargs):
        kwargs.setdefault("org", self.org)
        kwargs.setdefault("managed_org", self.managed_org)
        return super().get_context_data(**kwargs)


class OrgFormMixin(ServiceFormMixin):
    """A form whose data goes to the services in one transaction; AWS Organizations' errors
    show on the form (non-field), in AWS's words."""

    error_field = None


class ConfirmMixin:
    """GET shows what a POST will do, on ``organizations/confirm.html``; POST does it through
    :meth:`perform` (one transaction), redirecting after, or showing AWS's error."""

    heading = ""
    submit = "Delete"

    def confirmation(self) -> dict[str, Any]:
        return {}

    def get(self, request, *args, **kwargs):
        return render(request, "organizations/confirm.html",
                      {"org": self.org, "heading": self.heading, "submit": self.submit, **self.confirmation()})

    def post(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return self.perform()
        except ActionDenied as denied:
            return access_denied(request, denied.auth)
        except errors.OrganizationsError as exc:
            return org_error(request, exc, request.path)

    def perform(self):  # pragma: no cover - every subclass implements it
        raise NotImplementedError
