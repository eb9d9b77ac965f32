"""AWS Organizations console pages (issue #14): the organization (create, delete, leave), AWS
accounts (list and tree, create, invite, move, remove, detail with its effective SCPs), the root
and OUs (create, rename, delete), service control policies (list, create, edit, delete, attach,
detach) and invitations (received: accept, decline; sent: cancel).

Every page authorises its ``organizations:<Action>`` on AWS's resource ARN through
:class:`policies.authz.IAMActionRequiredMixin`, so the audit trail records each change once.
The pages that manage an organization answer for the organization the caller's account
manages: a root, OU, account, policy or invitation of any other organization is a 404. A
member account (or an account outside any organization) opening a management page is sent to
the organization page (a GET), or told AWS's error (a POST, 4xx, recorded as a failed call).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView, View

from accounts import seeds
from accounts.models import Account, User, root_login_key
from iamportal.views_base import ServiceFormMixin
from policies.authz import ActionDenied, ConditionalIAMActionMixin, access_denied, authorize, require

from . import errors, services
from .forms import (DEFAULT_SCP, AccountCreateForm, AccountInviteForm, ChooseManyForm, MoveAccountForm,
                    OrganizationalUnitForm, ServiceControlPolicyForm)
from .models import Handshake, Member, Organization, OrganizationalUnit, PolicyTarget, ServiceControlPolicy

HOME = "organizations:organization_detail"
#: The condition key AWS gives the policy operations (and ListPoliciesForTarget).
SCP_TYPE = {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"}


class NotManagementAccount(errors.OrganizationsError):
    """A member account calling an action only the management account may call."""

    code, status = "AccessDeniedException", 403
    default_message = "You don't have permissions to access this resource."


def org_error(request, exc: errors.OrganizationsError, back_url: str = ""):
    """A page with one AWS Organizations error in AWS's words (404 for a missing entity), which
    the audit trail records as the failed call."""
    request.audit_error = exc
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


# ---------------------------------------------------------------------------
# Shared view machinery


class ManagementRequired:
    """Runs after the authorisation check: a management page opened by an account that manages
    no organization goes to the organization page (GET) or gets AWS's error (POST)."""

    management_only = True

    def dispatch(self, request, *args, **kwargs):
        if self.management_only and self.managed_org is None:
            if request.method in ("GET", "HEAD"):
                return redirect(HOME)
            exc = errors.AWSOrganizationsNotInUseException() if self.org is None else NotManagementAccount()
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


# ---------------------------------------------------------------------------
# The organization


class OrganizationDetailView(OrganizationMixin, TemplateView):
    """The organization page: Create an organization (none yet), its details and Leave (a
    member account), or its details, counts and Delete (the management account)."""

    iam_action = "organizations:DescribeOrganization"
    template_name = "organizations/organization_detail.html"
    management_only = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.managed_org is not None:
            context["counts"] = {"accounts": self.managed_org.members.count(),
                                 "ous": self.managed_org.ous.count(),
                                 "policies": self.managed_org.policies.count()}
        elif self.org is None:
            context["open_invitations"] = services.handshakes_for_account(self.account).filter(
                state=Handshake.OPEN).count()
        return context


class OrganizationCreateView(OrganizationMixin, View):
    """Create an organization (POST): the caller's account becomes its management account."""

    iam_action = "organizations:CreateOrganization"
    http_method_names = ["post"]
    management_only = False

    def post(self, request):
        try:
            org = services.create_organization(self.account)
        except errors.OrganizationsError as exc:
            return org_error(request, exc, reverse(HOME))
        messages.success(request, f"Organization {org.org_id} created. This account is its management account.")
        return redirect("organizations:account_list")


class OrganizationDeleteView(OrganizationMixin, ConfirmMixin, View):
    """Delete the organization: only when no member account is left."""

    iam_action = "organizations:DeleteOrganization"
    heading = "Delete organization"

    def confirmation(self):
        return {"detail": f"Organization {self.managed_org.org_id} is deleted with its OUs, policies and "
                          "invitations. All member accounts must be removed first.",
                "cancel_url": reverse(HOME)}

    def perform(self):
        org_id = self.managed_org.org_id
        services.delete_organization(self.managed_org)
        messages.success(self.request, f"Organization {org_id} deleted.")
        return redirect(HOME)


class OrganizationLeaveView(OrganizationMixin, ConfirmMixin, View):
    """Leave the organization (a member account)."""

    iam_action = "organizations:LeaveOrganization"
    management_only = False
    heading = "Leave organization"
    submit = "Leave organization"

    def get(self, request, *args, **kwargs):
        if self.org is None:
            return redirect(HOME)
        return super().get(request, *args, **kwargs)

    def confirmation(self):
        return {"detail": f"This account leaves organization {self.org.org_id}: its service control "
                          "policies no longer apply, and the management account no longer manages it.",
                "cancel_url": reverse(HOME)}

    def perform(self):
        services.leave_organization(self.account)
        messages.success(self.request, "This account left the organization.")
        return redirect(HOME)


# ---------------------------------------------------------------------------
# AWS accounts


class AccountListView(OrganizationMixin, TemplateView):
    """AWS accounts: the hierarchy (root → OUs → accounts) or the flat list (``?view=list``)."""

    iam_action = "organizations:ListAccounts"
    template_name = "organizations/account_list.html"
    per_page = 100

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.managed_org
        view = "list" if self.request.GET.get("view") == "list" else "tree"
        members = services.member_accounts(org)
        if view == "list":
            page = Paginator(members, self.per_page).get_page(self.request.GET.get("page"))
            ous = {ou.pk: ou for ou in org.ous.all()}
            context.update(page_obj=page, account_count=page.paginator.count,
                           accounts=[(member, ous.get(member.parent_ou_id)) for member in page])
        else:
            members = list(members)
            context.update(tree=build_tree(org, list(org.ous.all()), members), account_count=len(members))
        context["view"] = view
        return context


def keep_new_account(request, member: Member, password: str, signin_url: str) -> None:
    """The new root user's one-time password, sealed in the session until the next page shows it."""
    request.session[SESSION_NEW_ACCOUNT] = {
        "account_id": member.account.account_id, "name": member.name, "email": member.email,
        "signin_url": signin_url, "at": time.time(),
        "sealed_password": seeds.seal_text(password, SEALED_PASSWORD)}


def pop_new_account(request) -> dict[str, Any] | None:
    """The kept credentials, removed from the session; None when gone or stale."""
    kept = request.session.pop(SESSION_NEW_ACCOUNT, None)
    if not kept or time.time() - kept.get("at", 0) > NEW_ACCOUNT_TTL:
        return None
    password = seeds.open_text(kept.get("sealed_password", ""), SEALED_PASSWORD)
    return None if password is None else {**kept, "password": password}


SESSION_NEW_ACCOUNT = "organizations_new_account"
SEALED_PASSWORD = "new member account root password"
NEW_ACCOUNT_TTL = 10 * 60


def parent_choices(org: Organization, tree: Node | None = None) -> list[tuple[str, str]]:
    """The root and every OU, as ``(id, "Root / Engineering / Dev")`` (one query)."""
    tree = tree or build_tree(org, list(org.ous.all()), [])
    return [(node.target_id, node.path) for node in tree.walk()]


@method_decorator(never_cache, name="dispatch")
class AccountCreateView(OrganizationMixin, OrgFormMixin, FormView):
    """Add an AWS account › Create an AWS account: CreateAccount, then MoveAccount into the chosen
    OU (authorised too); the new root user's one-time password is shown once, on the next page."""

    iam_action = "organizations:CreateAccount"
    template_name = "organizations/account_create.html"
    form_class = AccountCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "parents": parent_choices(self.managed_org)}

    def get_initial(self):
        return {"parent_id": self.request.GET.get("parent", "")}

    def perform(self, form):
        org, data = self.managed_org, form.cleaned_data
        parent_id = data["parent_id"]
        member, password = services.create_account(org, name=data["name"], email=data["email"], parent_id=parent_id)
        if parent_id != org.root_id:
            # The console places a new account with MoveAccount: its calls are authorised too.
            self.require("organizations:MoveAccount", member.arn)
            self.require("organizations:MoveAccount", target_ref(org, parent_id).arn)
        keep_new_account(self.request, member, password,
                         self.request.build_absolute_uri(reverse("accounts:signin")))
        messages.success(self.request, f"AWS account {member.name} ({member.account.account_id}) created.")
        return redirect("organizations:account_created")


@method_decorator(never_cache, name="dispatch")
class AccountCreatedView(OrganizationMixin, TemplateView):
    """The new account's root sign-in details, shown once (a reload finds them gone: 410)."""

    iam_action = "organizations:DescribeCreateAccountStatus"
    template_name = "organizations/account_created.html"

    def get(self, request, *args, **kwargs):
        kept = pop_new_account(request)
        if kept is None:
            return render(request, "organizations/account_created_gone.html", {"org": self.org}, status=410)
        return self.render_to_response(self.get_context_data(created=kept))


def find_account(target: str) -> Account:
    """The account an invitation names: by its 12-digit id or its root user's email."""
    if "@" in target:
        root = User.objects.select_related("account").filter(is_root=True, login_key=root_login_key(target)).first()
        account = root.account if root else None
    else:
        account = Account.objects.filter(account_id=target).first()
    if account is None:
        raise errors.AccountNotFoundException()
    return account


class AccountInviteView(OrganizationMixin, OrgFormMixin, FormView):
    """Add an AWS account › Invite an existing AWS account (InviteAccountToOrganization)."""

    iam_action = "organizations:InviteAccountToOrganization"
    template_name = "organizations/account_invite.html"
    form_class = AccountInviteForm

    def perform(self, form):
        handshake = services.invite_account(self.managed_org, find_account(form.cleaned_data["target"]))
        messages.success(self.request, f"Invitation {handshake.handshake_id} sent to account "
                                       f"{handshake.target_account.account_id}.")
        return redirect("organizations:handshake_sent")


class MemberMixin(OrganizationMixin):
    """Pages of one account of the managed organization, named by its 12-digit id."""

    def setup_org_objects(self) -> None:
        self.member = self.lookup(services.get_member, self.kwargs["account_id"])
        self.member.org = self.managed_org  # its ARN names the organization: no query

    def get_resource_arn(self) -> str:
        return self.member.arn

    def get_context_data(self, **kwargs):
        kwargs.setdefault("member", self.member)
        return super().get_context_data(**kwargs)


class AccountDetailView(MemberMixin, TemplateView):
    """One account: id, email, how and when it joined, its place in the tree and the SCPs of
    every level of that path (attached to the account, and inherited from the root and OUs)."""

    iam_action = "organizations:DescribeAccount"
    template_name = "organizations/account_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member, org = self.member, self.managed_org
        chain = ou_chain(org, member.parent_ou.ou_ids if member.parent_ou else [])
        levels = policy_levels(org, [*chain, (member.account.account_id, member.name)])
        context.update(levels=levels, direct=levels[-1]["policies"], inherited=levels[:-1],
                       parent=chain[-1], is_management=member.account_id == org.management_account_id,
                       policies_denied=policies_denied(self.request, member.arn))
        return context


class AccountMoveView(MemberMixin, OrgFormMixin, FormView):
    """Move an account to another root or OU, picked from the tree (MoveAccount: authorised on
    the account, its source parent and the destination)."""

    iam_action = "organizations:MoveAccount"
    template_name = "organizations/account_move.html"
    form_class = MoveAccountForm

    def get_form_kwargs(self):
        current = self.member.parent_aws_id
        destinations = [choice for choice in parent_choices(self.managed_org) if choice[0] != current]
        return {**super().get_form_kwargs(), "destinations": destinations}

    def perform(self, form):
        org, member = self.managed_org, self.member
        source, destination = member.parent_aws_id, form.cleaned_data["destination"]
        self.require("organizations:MoveAccount", target_ref(org, source).arn)
        self.require("organizations:MoveAccount", target_ref(org, destination).arn)
        services.move_account(org, member.account, source_parent_id=source, destination_parent_id=destination)
        messages.success(self.request, f"{member.name} moved to {dict(form.fields['destination'].choices)[destination]}.")
        return redirect("organizations:account_detail", member.account.account_id)


class AccountRemoveView(MemberMixin, ConfirmMixin, View):
    """Remove a member account from the organization (it becomes a standalone account)."""

    iam_action = "organizations:RemoveAccountFromOrganization"
    heading = "Remove account from organization"
    submit = "Remove account"

    def confirmation(self):
        return {"detail": f"{self.member.name} ({self.member.account.account_id}) leaves the organization: "
                          "its service control policies no longer apply. The account itself is not deleted.",
                "cancel_url": reverse("organizations:account_detail", args=[self.member.account.account_id])}

    def perform(self):
        services.remove_account(self.managed_org, self.member.account)
        messages.success(self.request, f"{self.member.name} removed from the organization.")
        return redirect("organizations:account_list")


# ---------------------------------------------------------------------------
# The root and organizational units


class ParentDetailMixin(OrganizationMixin):
    """The root's or an OU's page: its child OUs and accounts, and the SCPs of its path."""

    template_name = "organizations/parent_detail.html"

    def parent_context(self, ou: OrganizationalUnit | None) -> dict[str, Any]:
        org = self.managed_org
        chain = ou_chain(org, ou.ou_ids if ou else [])
        levels = policy_levels(org, chain)
        return {"ou": ou, "target_id": chain[-1][0], "levels": levels, "direct": levels[-1]["policies"],
                "inherited": levels[:-1], "child_ous": list(org.ous.filter(parent=ou)),
                "child_accounts": list(services.member_accounts(org).filter(parent_ou=ou)),
                "resource_arn": self.get_resource_arn(),
                "policies_denied": policies_denied(self.request, self.get_resource_arn())}


class RootDetailView(ParentDetailMixin, TemplateView):
    """The root: its OUs and accounts, and its SCPs."""

    iam_action = "organizations:ListChildren"

    def setup_org_objects(self) -> None:
        if self.managed_org is None or self.kwargs["root_id"] != self.managed_org.root_id:
            raise Http404(errors.ParentNotFoundException.default_message)

    def get_resource_arn(self) -> str:
        return self.managed_org.root_arn

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.parent_context(None), **kwargs)


class OUMixin(OrganizationMixin):
    """Pages of one OU of the managed organization."""

    def setup_org_objects(self) -> None:
        self.ou = self.lookup(services.get_ou, self.kwargs["ou_id"])

    def get_resource_arn(self) -> str:
        return self.ou.arn

    def get_context_data(self, **kwargs):
        kwargs.setdefault("ou", self.ou)
        return super().get_context_data(**kwargs)


class OUDetailView(OUMixin, ParentDetailMixin, TemplateView):
    """An OU: its child OUs and accounts, its SCPs and those inherited from the root and the OUs above."""

    iam_action = "organizations:DescribeOrganizationalUnit"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.parent_context(self.ou), **kwargs)


def parent_url(org: Organization, parent_id: str) -> str:
    if parent_id == org.root_id:
        return reverse("organizations:root_detail", args=[parent_id])
    return reverse("organizations:ou_detail", args=[parent_id])


class OUCreateView(OrganizationMixin, OrgFormMixin, FormView):
    """Create an OU under the root or an OU (``?parent=``; the root by default), authorised on
    the parent."""

    iam_action = "organizations:CreateOrganizationalUnit"
    template_name = "organizations/ou_create.html"
    form_class = OrganizationalUnitForm

    def setup_org_objects(self) -> None:
        self.parent = None
        if self.managed_org is not None:
            params = self.request.POST if self.request.method == "POST" else self.request.GET
            self.parent = target_ref(self.managed_org, params.get("parent") or self.managed_org.root_id)
            if self.parent.type == services.ACCOUNT:
                raise Http404(errors.ParentNotFoundException.default_message)

    def get_resource_arn(self) -> str:
        return self.parent.arn if self.parent else "*"

    def get_context_data(self, **kwargs):
        return super().get_context_data(parent=self.parent, **kwargs)

    def perform(self, form):
        ou = services.create_ou(self.managed_org, parent_id=self.parent.target_id, name=form.cleaned_data["name"])
        messages.success(self.request, f"Organizational unit {ou.name} created.")
        return redirect(self.parent.url)


class OURenameView(OUMixin, OrgFormMixin, FormView):
    """Rename an OU (UpdateOrganizationalUnit)."""

    iam_action = "organizations:UpdateOrganizationalUnit"
    template_name = "organizations/ou_rename.html"
    form_class = OrganizationalUnitForm

    def get_initial(self):
        return {"name": self.ou.name}

    def perform(self, form):
        services.rename_ou(self.ou, form.cleaned_data["name"])
        messages.success(self.request, f"Organizational unit renamed to {self.ou.name}.")
        return redirect("organizations:ou_detail", self.ou.ou_id)


class OUDeleteView(OUMixin, ConfirmMixin, View):
    """Delete an empty OU."""

    iam_action = "organizations:DeleteOrganizationalUnit"
    heading = "Delete organizational unit"

    def confirmation(self):
        return {"detail": f"Organizational unit {self.ou.name} ({self.ou.ou_id}) is deleted. Only an empty OU "
                          "can be deleted: move its accounts and delete its OUs first.",
                "cancel_url": reverse("organizations:ou_detail", args=[self.ou.ou_id])}

    def perform(self):
        parent = self.ou.parent_aws_id
        services.delete_ou(self.ou)
        messages.success(self.request, f"Organizational unit {self.ou.name} deleted.")
        return redirect(parent_url(self.managed_org, parent))


# ---------------------------------------------------------------------------
# Service control policies


class PolicyListView(OrganizationMixin, TemplateView):
    """Policies › Service control policies: each with its type and how many targets it has."""

    policy_operation = True

    iam_action = "organizations:ListPolicies"
    template_name = "organizations/policy_list.html"

    def get_context_data(self, **kwargs):
        policies = list(services.list_policies(self.managed_org).annotate(target_count=Count("targets")))
        return super().get_context_data(policies=policies, **kwargs)


class PolicyCreateView(OrganizationMixin, OrgFormMixin, FormView):
    """Create policy: name, description and the JSON editor (validated as an SCP)."""

    policy_operation = True

    iam_action = "organizations:CreatePolicy"
    template_name = "organizations/policy_form.html"
    form_class = ServiceControlPolicyForm

    def get_initial(self):
        return {"document": DEFAULT_SCP}

    def perform(self, form):
        data = form.cleaned_data
        policy = services.create_policy(self.managed_org, name=data["name"], description=data["description"],
                                        document=data["document"])
        messages.success(self.request, f"Policy {policy.name} created.")
        return redirect("organizations:policy_detail", policy.policy_id)


class PolicyMixin(OrganizationMixin):
    """Pages of one SCP of the managed organization."""

    policy_operation = True

    def setup_org_objects(self) -> None:
        self.policy = self.lookup(services.get_policy, self.kwargs["policy_id"])

    def get_resource_arn(self) -> str:
        return self.policy.arn

    def get_context_data(self, **kwargs):
        kwargs.setdefault("policy", self.policy)
        return super().get_context_data(**kwargs)

    def refuse_aws_managed(self):
        if self.policy.aws_managed:
            return org_error(self.request, errors.PolicyChangesNotAllowed(),
                             reverse("organizations:policy_detail", args=[self.policy.policy_id]))
        return None


class PolicyDetailView(PolicyMixin, TemplateView):
    """A policy: details, its JSON, and its targets (which ListTargetsForPolicy governs)."""

    iam_action = "organizations:DescribePolicy"
    template_name = "organizations/policy_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        auth = authorize(self.request, "organizations:ListTargetsForPolicy", self.policy.arn, SCP_TYPE)
        context["targets_denied"] = "" if auth else auth.message
        if auth:
            context["targets"] = [(target, target_url(self.managed_org, target))
                                  for target in services.targets_for_policy(self.policy)]
        return context


def target_url(org: Organization, target: services.Target) -> str:
    if target.type == services.ACCOUNT:
        return reverse("organizations:account_detail", args=[target.target_id])
    return parent_url(org, target.target_id)


class PolicyEditView(PolicyMixin, OrgFormMixin, FormView):
    """Edit a customer SCP (UpdatePolicy); FullAWSAccess cannot be changed."""

    iam_action = "organizations:UpdatePolicy"
    template_name = "organizations/policy_form.html"
    form_class = ServiceControlPolicyForm

    def get(self, request, *args, **kwargs):
        return self.refuse_aws_managed() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refuse_aws_managed() or super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"name": self.policy.name, "description": self.policy.description, "document": self.policy.document}

    def perform(self, form):
        data = form.cleaned_data
        services.update_policy(self.policy, name=data["name"], description=data["description"],
                               document=data["document"])
        messages.success(self.request, f"Policy {self.policy.name} saved.")
        return redirect("organizations:policy_detail", self.policy.policy_id)


class PolicyDeleteView(PolicyMixin, ConfirmMixin, View):
    """Delete a customer SCP that is attached nowhere."""

    iam_action = "organizations:DeletePolicy"
    heading = "Delete policy"

    def get(self, request, *args, **kwargs):
        return self.refuse_aws_managed() or super().get(request, *args, **kwargs)

    def confirmation(self):
        return {"detail": f"Policy {self.policy.name} ({self.policy.policy_id}) is deleted. A policy attached to "
                          "a root, OU or account must be detached from all of them first.",
                "cancel_url": reverse("organizations:policy_detail", args=[self.policy.policy_id])}

    def perform(self):
        services.delete_policy(self.policy)
        messages.success(self.request, f"Policy {self.policy.name} deleted.")
        return redirect("organizations:policy_list")


class PolicyAttachView(PolicyMixin, OrgFormMixin, FormView):
    """Attach the policy to targets picked from the tree (AttachPolicy: authorised on the
    policy and on each target)."""

    iam_action = "organizations:AttachPolicy"
    template_name = "organizations/policy_attach.html"

    def get_form(self, form_class=None):
        org = self.managed_org
        attached = set(self.policy.targets.values_list("target_id", flat=True))
        tree = build_tree(org, list(org.ous.all()), list(services.member_accounts(org)))
        choices = []
        for node in tree.walk():
            choices.append((node.target_id, f"{node.path} ({node.target_id})"))
            choices += [(m.account.account_id, f"{node.path} / {m.name} ({m.account.account_id})")
                        for m in node.accounts]
        choices = [choice for choice in choices if choice[0] not in attached]
        return ChooseManyForm(**self.get_form_kwargs(), choices=choices, label="Targets")

    def perform(self, form):
        org = self.managed_org
        for target_id in form.cleaned_data["chosen"]:
            self.require("organizations:AttachPolicy", target_ref(org, target_id).arn, SCP_TYPE)
            services.attach_policy(self.policy, target_id)
        messages.success(self.request, f"Policy {self.policy.name} attached.")
        return redirect("organizations:policy_detail", self.policy.policy_id)


class TargetAttachView(OrganizationMixin, OrgFormMixin, FormView):
    """Attach policies to the root, an OU or an account (AttachPolicy: authorised on the target
    and on each policy)."""

    policy_operation = True

    iam_action = "organizations:AttachPolicy"
    template_name = "organizations/target_attach.html"

    def setup_org_objects(self) -> None:
        self.target = self.lookup(target_ref, self.kwargs["target_id"])

    def get_resource_arn(self) -> str:
        return self.target.arn

    def get_form(self, form_class=None):
        policies = services.list_policies(self.managed_org).exclude(targets__target_id=self.target.target_id)
        self.offered = {policy.policy_id: policy for policy in policies}
        return ChooseManyForm(**self.get_form_kwargs(), label="Policies",
                              choices=[(policy.policy_id, policy.name) for policy in self.offered.values()])

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target, **kwargs)

    def perform(self, form):
        for policy_id in form.cleaned_data["chosen"]:
            policy = self.offered[policy_id]
            self.require("organizations:AttachPolicy", policy.arn, SCP_TYPE)
            services.attach_policy(policy, self.target.target_id)
        messages.success(self.request, f"Policies attached to {self.target.name}.")
        return redirect(self.target.url)


class PolicyDetachView(PolicyMixin, ConfirmMixin, View):
    """Detach the policy from a target (DetachPolicy: authorised on the policy and the target).
    ``?from=target`` comes back to the target's page, else to the policy's."""

    iam_action = "organizations:DetachPolicy"
    heading = "Detach policy"
    submit = "Detach policy"

    def setup_org_objects(self) -> None:
        super().setup_org_objects()
        self.target = self.lookup(target_ref, self.kwargs["target_id"])

    def back_url(self) -> str:
        params = self.request.POST if self.request.method == "POST" else self.request.GET
        if params.get("from") == "target":
            return self.target.url
        return reverse("organizations:policy_detail", args=[self.policy.policy_id])

    def confirmation(self):
        return {"detail": f"Policy {self.policy.name} no longer applies to {self.target.name} "
                          f"({self.target.target_id}) nor to what is under it. A target keeps at least one "
                          "service control policy.",
                "cancel_url": self.back_url(), "fields": [("from", self.request.GET.get("from", ""))]}

    def perform(self):
        require(self.request, "organizations:DetachPolicy", self.target.arn, SCP_TYPE)
        services.detach_policy(self.policy, self.target.target_id)
        messages.success(self.request, f"Policy {self.policy.name} detached from {self.target.name}.")
        return redirect(self.back_url())


# ---------------------------------------------------------------------------
# Invitations (handshakes)


class HandshakeListView(OrganizationMixin, TemplateView):
    """Invitations sent to this account: open ones can be accepted or declined."""

    iam_action = "organizations:ListHandshakesForAccount"
    template_name = "organizations/handshake_list.html"
    management_only = False

    def get_context_data(self, **kwargs):
        handshakes = list(services.handshakes_for_account(self.account)[:100])
        return super().get_context_data(handshakes=handshakes, received=True, **kwargs)


class HandshakeSentView(OrganizationMixin, TemplateView):
    """Invitations the organization sent: open ones can be canceled."""

    iam_action = "organizations:ListHandshakesForOrganization"
    template_name = "organizations/handshake_list.html"

    def get_context_data(self, **kwargs):
        handshakes = list(services.handshakes_for_organization(self.managed_org)[:100])
        return super().get_context_data(handshakes=handshakes, received=False, **kwargs)


class HandshakeActionMixin(OrganizationMixin, View):
    """A POST on one invitation this account received or its organization sent (404 otherwise)."""

    http_method_names = ["post"]
    management_only = False

    def setup_objects(self) -> None:
        super().setup_objects()
        try:
            self.handshake = services.get_handshake(self.kwargs["handshake_id"], self.account)
        except errors.HandshakeNotFoundException as exc:
            raise Http404(exc.message) from None

    def get_resource_arn(self) -> str:
        return self.handshake.arn

    def post(self, request, *args, **kwargs):
        try:
            return self.perform()
        except errors.OrganizationsError as exc:
            return org_error(request, exc, reverse("organizations:handshake_list"))


class HandshakeAcceptView(HandshakeActionMixin):
    iam_action = "organizations:AcceptHandshake"

    def perform(self):
        member = services.accept_handshake(self.handshake, self.account)
        messages.success(self.request, f"This account joined organization {member.org.org_id}.")
        return redirect(HOME)


class HandshakeDeclineView(HandshakeActionMixin):
    iam_action = "organizations:DeclineHandshake"

    def perform(self):
        services.decline_handshake(self.handshake, self.account)
        messages.success(self.request, f"Invitation {self.handshake.handshake_id} declined.")
        return redirect("organizations:handshake_list")


class HandshakeCancelView(HandshakeActionMixin):
    iam_action = "organizations:CancelHandshake"

    def perform(self):
        if self.handshake.org.management_account_id != self.account.pk:
            raise errors.HandshakeNotFoundException()
        services.cancel_handshake(self.handshake)
        messages.success(self.request, f"Invitation {self.handshake.handshake_id} canceled.")
        return redirect("organizations:handshake_sent")
