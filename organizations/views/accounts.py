"""The organization (create, delete, leave) and its AWS accounts: the hierarchy and the list,
create (the new root user's one-time password shown once), invite, detail (its path and the SCPs
of every level), move, remove.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView, View

from accounts import seeds
from accounts.models import Account, User, root_login_key
from iamportal.views_base import search_query

from .. import errors, services
from ..forms import AccountCreateForm, AccountInviteForm, MoveAccountForm
from ..models import Handshake, Member, Organization
from .base import (HOME, ConfirmMixin, Node, OrganizationMixin, OrgFormMixin, build_tree, org_error, ou_chain,
                   policies_denied, policy_levels, target_ref)


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
                state=Handshake.OPEN, expires__gt=timezone.now()).count()  # expired ones are not open
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
    """AWS accounts: the hierarchy (root → OUs → accounts) or the flat list (``?view=list``, searched
    with ``?q=`` by name, email or account id)."""

    iam_action = "organizations:ListAccounts"
    template_name = "organizations/account_list.html"
    per_page = 100

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.managed_org
        view = "list" if self.request.GET.get("view") == "list" else "tree"
        members = services.member_accounts(org)
        if view == "list":
            q = search_query(self.request.GET)
            if q:  # a name, an email or an account id
                members = members.filter(Q(name__icontains=q) | Q(email__icontains=q)
                                         | Q(account__account_id__startswith=q))
            page = Paginator(members, self.per_page).get_page(self.request.GET.get("page"))
            ous = {ou.pk: ou for ou in org.ous.all()}
            context.update(page_obj=page, account_count=page.paginator.count, q=q,
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


def find_account(org, target: str) -> Account:
    """The account an invitation of ``org`` names: by its 12-digit id or its root user's email
    (counted: ``services.spend_invitation_by_email``)."""
    if "@" in target:
        services.spend_invitation_by_email(org)
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
        org = self.managed_org
        handshake = services.invite_account(org, find_account(org, form.cleaned_data["target"]))
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
