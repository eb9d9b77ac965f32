"""User groups: list, create, detail (Users and Permissions tabs), add and remove users,
rename and delete (iam-facts §8.2, §11).

Every view authorises its IAM action on the group's ARN; another account's group
is a 404 because :func:`accounts.services.get_group` only looks in the caller's account.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import FormView, ListView, TemplateView, View

from audit import last_accessed
from iamportal.errors import NoSuchEntity
from iamportal.pickers import PickerFormMixin
from iamportal.views_base import SearchSortMixin, ServiceFormMixin, get_or_404
from policies.authz import ConditionalIAMActionMixin, IAMActionRequiredMixin, ImpliedCallsMixin, authorize

from .. import services
from ..group_forms import GroupAddUsersForm, GroupCreateForm, GroupDeleteForm, GroupRenameForm, user_rows
from ..models import Group, GroupMembership, User, membership_count
from .bulk import BulkDeleteMixin, find_named, reads_of
from .confirm import Confirmation, ConfirmRemovalMixin

# ---------------------------------------------------------------------------
# Shared view machinery


class GroupMixin(IAMActionRequiredMixin):
    """Views of one group, named in the URL and looked up in the caller's account."""

    def setup_objects(self) -> None:
        self.group = get_or_404(services.get_group, self.request.iam.account, self.kwargs["group_name"])

    def get_resource_arn(self) -> str:
        return self.group.arn

    def get_context_data(self, **kwargs):
        kwargs.setdefault("group", self.group)
        return super().get_context_data(**kwargs)


# ---------------------------------------------------------------------------
# List and create


class GroupListView(IAMActionRequiredMixin, SearchSortMixin, ListView):
    """User groups: name, member count, permissions, creation time; search, sort, pages."""

    iam_action = "iam:ListGroups"
    template_name = "accounts/group_list.html"
    context_object_name = "groups"
    paginate_by = 50
    SORTS = {"name": Lower("name"), "users": F("user_count"), "created": F("created")}

    def get_resource_arn(self) -> str:
        return self.request.iam.account.arn("group/")

    def get_queryset(self):
        from policies.models import InlinePolicy, PolicyAttachment

        # Per-row subqueries, not a join and GROUP BY over every membership of the account.
        groups = Group.objects.filter(account=self.request.iam.account).annotate(
            user_count=membership_count("group"),
            has_policies=(Exists(PolicyAttachment.objects.filter(group=OuterRef("pk")))
                          | Exists(InlinePolicy.objects.filter(group=OuterRef("pk")))),
        )
        return self.search_and_sort(groups)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.sort_context()}


class GroupCreateView(IAMActionRequiredMixin, PickerFormMixin, ServiceFormMixin, FormView):
    """Create user group (§8.2): name, optional users and managed policies on one page.

    CreateGroup is authorised on the new group's ARN; choosing users also needs
    AddUserToGroup on it, and each policy AttachGroupPolicy. The page itself asks for
    CreateGroup on ``group/``.
    """

    iam_action = "iam:CreateGroup"
    template_name = "accounts/group_create.html"
    form_class = GroupCreateForm

    def get_resource_arn(self) -> str:
        name = self.request.POST.get("name", "") if self.request.method == "POST" else ""
        return self.request.iam.account.arn(f"group/{name}")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "account": self.request.iam.account}

    def perform(self, form):
        from policies import services as policy_services

        users = list(form.cleaned_data["users"])
        group = services.create_group(self.request.iam.account, name=form.cleaned_data["name"], users=users)
        if users:
            # Same resource for every chosen user: one decision covers them all.
            self.require("iam:AddUserToGroup", group.arn)
        for policy_arn in form.cleaned_data["policy_arns"]:
            self.require("iam:AttachGroupPolicy", group.arn, {"iam:PolicyARN": policy_arn})
            policy_services.attach_group_policy(group, policy_arn=policy_arn)
        messages.success(self.request, f"{group.name} user group created.")
        return redirect("accounts:group_list")


# ---------------------------------------------------------------------------
# One group


class GroupDetailView(GroupMixin, TemplateView):
    """Summary (name, ARN, creation time) and the Users and Permissions tabs."""

    iam_action = "iam:GetGroup"
    template_name = "accounts/group_detail.html"
    TABS = ("users", "permissions", "last_accessed")
    MEMBERS_PER_PAGE = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tab = self.request.GET.get("tab")
        context["tab"] = tab = tab if tab in self.TABS else "users"
        if tab == "permissions":
            # The tab lists the group's policies, which IAM guards with its own action.
            auth = authorize(self.request, "iam:ListAttachedGroupPolicies", self.group.arn)
            context["permissions_denied"] = "" if auth else auth.message
        if tab == "last_accessed":
            context.update(last_accessed.tab_context(self.request, self.group))
        # pk__in keeps the group count from reusing the membership join of the filter.
        members = GroupMembership.objects.filter(group=self.group).values("user_id")
        page = Paginator(user_rows(User.objects.filter(pk__in=members)), self.MEMBERS_PER_PAGE) \
            .get_page(self.request.GET.get("page"))
        context.update(members=page.object_list, members_page=page)
        return context


class GroupAddUsersView(GroupMixin, PickerFormMixin, ServiceFormMixin, FormView):
    """Add users to the group (AddUserToGroup); a user may be in at most 10 groups."""

    iam_action = "iam:AddUserToGroup"
    template_name = "accounts/group_add_users.html"
    form_class = GroupAddUsersForm
    error_field = "users"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "group": self.group}

    def perform(self, form):
        users = list(form.cleaned_data["users"])
        for user in users:
            services.add_user_to_group(self.group, user)
        names = ", ".join(user.user_name for user in users)
        messages.success(self.request, f"Added to {self.group.name}: {names}.")
        return redirect(self.group)


class GroupRemoveUserView(ConfirmRemovalMixin, GroupMixin, View):
    """RemoveUserFromGroup, from the Remove button of the Users tab: GET confirms, naming the
    user and the group; POST removes."""

    iam_action = "iam:RemoveUserFromGroup"

    def setup_objects(self) -> None:
        super().setup_objects()
        self.member = get_or_404(services.get_user, self.request.iam.account, self.kwargs["user_name"])

    def confirmation(self) -> Confirmation:
        if not GroupMembership.objects.filter(group=self.group, user=self.member).exists():
            raise Http404(f"The user with name {self.member.user_name} cannot be found.")
        group_url = self.group.get_absolute_url()
        return Confirmation(
            heading=f"Remove {self.member.user_name} from {self.group.name}?",
            detail=(f"{self.member.user_name} loses the permissions the policies of {self.group.name} grant. "
                    "The user itself is not deleted."),
            cancel_url=group_url,
            crumbs=((reverse("accounts:group_list"), "User groups"), (group_url, self.group.name),
                    ("", "Remove user")))

    def post(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                services.remove_user_from_group(self.group, self.member)
        except NoSuchEntity as exc:  # not a member (any more)
            raise Http404(exc.message) from None
        messages.success(request, f"{self.member.user_name} removed from {self.group.name}.")
        return redirect(self.group)


class GroupEditView(GroupMixin, ServiceFormMixin, FormView):
    """Rename the group (UpdateGroup): allowed on both the old and the new ARN (§7.1)."""

    iam_action = "iam:UpdateGroup"
    template_name = "accounts/group_edit.html"
    form_class = GroupRenameForm

    def get_initial(self):
        return {"name": self.group.name}

    def perform(self, form):
        old_name, new_name = self.group.name, form.cleaned_data["name"]
        self.require("iam:UpdateGroup", self.request.iam.account.arn(f"group{self.group.path}{new_name}"))
        services.update_group(self.group, new_name=new_name)
        if new_name != old_name:
            messages.success(self.request, f"User group {old_name} renamed to {new_name}.")
        return redirect(self.group)


class GroupDeleteView(ImpliedCallsMixin, ConditionalIAMActionMixin, GroupMixin, ServiceFormMixin,
                      FormView):
    """Delete the group as the console does: RemoveUserFromGroup for each member,
    DetachGroupPolicy and DeleteGroupPolicy for each policy, then DeleteGroup; the page
    lists them, and a Deny on any one refuses the whole delete."""

    iam_action = "iam:DeleteGroup"
    template_name = "accounts/group_delete.html"
    form_class = GroupDeleteForm
    error_field = "confirm"

    def implied_calls(self):
        return services.delete_group_plan(self.group).calls

    def get_authorizations(self):
        # The reads of what the page names, as the console's delete lists them.
        return [*super().get_authorizations(), *reads_of(self.group)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "group": self.group}

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=services.delete_group_plan(self.group), **kwargs)

    def perform(self, form):
        services.delete_group(self.group, remove_dependents=True, authorize=self.authorize_calls)
        messages.success(self.request, f"{self.group.name} user group deleted.")
        return redirect("accounts:group_list")


class GroupBulkDeleteView(BulkDeleteMixin, ConditionalIAMActionMixin, FormView):
    """Delete the groups ticked on the list (``groups`` parameters), each as GroupDeleteView
    does, confirmed by typing "delete"; one Deny on any call of any group keeps them all."""

    iam_action = "iam:DeleteGroup"
    param, noun, plural, list_url, arn_prefix = "groups", "user group", "user groups", "accounts:group_list", "group/"

    def find(self, names):
        return find_named(Group.objects.filter(account=self.request.iam.account).select_related("account"),
                          names, kind="group")

    def plan_of(self, group):
        return services.delete_group_plan(group)

    def delete(self, group):
        services.delete_group(group, remove_dependents=True, authorize=self.authorize_calls)


urlpatterns = [
    path("iam/groups/", GroupListView.as_view(), name="group_list"),
    path("iam/groups/create/", GroupCreateView.as_view(), name="group_create"),
    path("iam/groups/delete/selected/", GroupBulkDeleteView.as_view(), name="group_bulk_delete"),
    path("iam/groups/<str:group_name>/", GroupDetailView.as_view(), name="group_detail"),
    path("iam/groups/<str:group_name>/edit/", GroupEditView.as_view(), name="group_edit"),
    path("iam/groups/<str:group_name>/delete/", GroupDeleteView.as_view(), name="group_delete"),
    path("iam/groups/<str:group_name>/users/add/", GroupAddUsersView.as_view(), name="group_add_users"),
    path("iam/groups/<str:group_name>/users/<str:user_name>/remove/", GroupRemoveUserView.as_view(),
         name="group_remove_user"),
]
