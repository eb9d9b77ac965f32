"""Console views: Users — list, create (wizard), detail tabs, groups, console access,
tags and delete.

Every view authorises its IAM action through :class:`IAMActionRequiredMixin` and fetches
users with ``services.get_user`` scoped to the caller's account, so another account's
user is a 404 (STYLE.md P13). Mutations are POST-only and run in a transaction.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, ListView, TemplateView
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit import last_accessed
from audit import services as audit
from iamportal.errors import IAMError, NoSuchEntity
from iamportal.pickers import PickerFormMixin
from iamportal.views_base import SearchSortMixin, get_or_404
from policies.authz import (
    ConditionalIAMActionMixin,
    ImpliedCallsMixin,
    access_denied,
    authorize,
    first_denied,
)

from .. import mfa, services, tags
from ..models import Group, User, membership_count
from ..user_forms import (
    AddUserToGroupsForm,
    ConsoleAccessForm,
    DeleteConfirmationForm,
)
from .access_key_panel import panel_context
from .bulk import BulkDeleteMixin, delete_each, find_named, reads_of
from .tags import ManageTagsMixin
from .confirm import Confirmation, ConfirmRemovalMixin
from ..wizards import UserCreateWizard, peek_new_credentials, pop_new_credentials

# ---------------------------------------------------------------------------
# Mixins


class UsersConsoleMixin(ConditionalIAMActionMixin):
    """A page of the Users console in the caller's account.

    Opening any of these pages forgets the one-time password of a finished create-user
    wizard: the user has left the *Retrieve password* page.
    """

    def setup_objects(self) -> None:
        self.account = self.request.iam.account
        pop_new_credentials(self.request)

    def users_arn(self) -> str:
        """The resource of account-wide user actions (``iam:ListUsers``)."""
        return self.account.arn("user/")


class UserObjectMixin(UsersConsoleMixin):
    """A page about one IAM user, ``<name>`` in the URL (404 unless in the caller's account)."""

    def setup_objects(self) -> None:
        super().setup_objects()
        self.iam_user = get_or_404(services.get_user, self.account, self.kwargs["name"])
        self.iam_user.account = self.account  # already loaded: spare the query for its ARN

    def get_resource_arn(self) -> str:
        return self.iam_user.arn

    def get_condition_context(self) -> dict[str, Any]:
        # Actions on a user carry its tags as aws:ResourceTag / iam:ResourceTag (ABAC).
        return {**super().get_condition_context(), **tags.resource_tag_context(self.iam_user)}

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["iam_user"] = self.iam_user
        return context

    def tab_url(self, tab: str) -> str:
        return f"{reverse('accounts:user_detail', args=[self.iam_user.user_name])}?tab={tab}"


def keep_signed_in_if_self(request, user: User) -> None:
    """A caller who changes their own password keeps their console session, as in AWS."""
    if user.pk == request.user.pk:
        update_session_auth_hash(request, user)


def _mfa_exists():
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


# ---------------------------------------------------------------------------
# Users list


class UserListView(UsersConsoleMixin, SearchSortMixin, ListView):
    """Users: search by name, sort by any column, 50 per page, in a fixed number of queries."""

    iam_action = "iam:ListUsers"
    template_name = "accounts/user_list.html"
    context_object_name = "users"
    paginate_by = 50

    # column key -> (heading, ordering expression); descending is "-key". The name order
    # is the index accounts_user_acct_name's, so the default page reads 50 index entries.
    COLUMNS = {
        "name": ("User name", Lower("user_name")),
        "groups": ("Groups", F("group_count")),
        "last_activity": ("Last activity", F("last_login")),
        "mfa": ("MFA", F("has_mfa")),
        # A younger password sorts first: the age grows as password_changed recedes.
        "password_age": ("Password age", F("password_changed")),
        "created": ("Creation time", F("created")),
    }
    SORTS = COLUMNS  # sorted by get_ordering (password age sorts the other way)

    def get_resource_arn(self) -> str:
        return self.users_arn()

    def get_ordering(self) -> list:
        key, descending = self.get_sort()
        expression = self.COLUMNS[key][1]
        if key == "name":
            # Names are never null and unique per account: the index's plain order, no tie-break.
            return [expression.desc() if descending else expression.asc()]
        if key == "password_age":
            # Users without a password have no age: last, whichever way.
            ordered = expression.asc(nulls_last=True) if descending else expression.desc(nulls_last=True)
        elif descending:
            ordered = expression.desc(nulls_last=True)
        else:
            ordered = expression.asc(nulls_first=True)
        return [ordered, Lower("user_name")]

    def get_queryset(self):
        users = User.objects.for_account(self.account)
        query = self.get_search()
        if query:
            users = users.filter(user_name__icontains=query)
        return (users
                # Per-row subqueries, not a join and GROUP BY over the whole account: the
                # database computes them for the page's rows (all rows only to sort by them).
                .annotate(group_count=membership_count("user"), has_mfa=_mfa_exists())
                .prefetch_related(Prefetch("iam_groups",
                                           queryset=Group.objects.order_by("name").only("id", "name")))
                .order_by(*self.get_ordering()))

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        for user in context["users"]:
            user.password_age_days = (now - user.password_changed).days if user.password_changed else None
        key, descending = self.get_sort()
        context["columns"] = [
            {"key": column, "label": label,
             "sort": f"-{column}" if column == key and not descending else column,
             "aria_sort": ("descending" if descending else "ascending") if column == key else None}
            for column, (label, _) in self.COLUMNS.items()
        ]
        context["query"] = self.get_search()
        context["total"] = context["paginator"].count
        page = context["page_obj"]
        context["page_range"] = context["paginator"].get_elided_page_range(
            page.number, on_each_side=2, on_ends=1)
        return context


# ---------------------------------------------------------------------------
# The one-time password of the create-user wizard


@method_decorator(never_cache, name="dispatch")
class UserCreateCSVView(UsersConsoleMixin, View):
    """*Download .csv file* on the wizard's Retrieve password page: the one download of
    the new user's credentials; afterwards the password is gone from the server."""

    iam_action = "iam:CreateLoginProfile"
    http_method_names = ["post"]

    def setup_objects(self) -> None:
        self.account = self.request.iam.account  # and, unlike its siblings, keep the password

    def get_resource_arn(self) -> str:
        kept = peek_new_credentials(self.request)
        return kept["arn"] if kept else self.users_arn()

    def post(self, request):
        kept = pop_new_credentials(request)
        if kept is None:
            return render(request, "accounts/user_create_password_gone.html", status=410)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["User name", "Password", "Console sign-in URL"])
        writer.writerow([kept["user_name"], kept["password"], kept["signin_url"]])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kept["user_name"]}_credentials.csv"'
        return response


# ---------------------------------------------------------------------------
# User detail


class UserDetailView(UserObjectMixin, TemplateView):
    """A user's Summary and its tabs; each tab authorises the action that reads it."""

    iam_action = "iam:GetUser"
    template_name = "accounts/user_detail.html"

    TABS = {
        "permissions": ("Permissions", "iam:ListAttachedUserPolicies"),
        "groups": ("Groups", "iam:ListGroupsForUser"),
        "security_credentials": ("Security credentials", "iam:GetLoginProfile"),
        "tags": ("Tags", "iam:ListUserTags"),
        "last_accessed": ("Last accessed", "iam:GenerateServiceLastAccessedDetails"),
    }

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.iam_user
        tab = self.request.GET.get("tab", "permissions")
        if tab not in self.TABS:
            tab = "permissions"
        auth = authorize(self.request, self.TABS[tab][1], user.arn, self.get_condition_context())
        context.update({
            "tab": tab,
            "tabs": [{"key": key, "label": label, "url": self.tab_url(key), "current": key == tab}
                     for key, (label, _) in self.TABS.items()],
            "tab_denied": None if auth else auth,
            "has_mfa": mfa.has_device(user),
            "signin_url": services.iam_user_signin_url(self.account, request=self.request),
        })
        if auth and tab in ("permissions", "groups"):
            # Filter through a subquery: annotating user.iam_groups would count only this user.
            context["groups"] = list(Group.objects.filter(pk__in=user.iam_groups.values("pk"))
                                     .annotate(member_count=Count("members")).order_by("name"))
        if tab == "security_credentials":
            context.update(panel_context(self.request, user, self_service=False))
        if auth and tab == "last_accessed":
            context.update(last_accessed.tab_context(self.request, user, self.get_condition_context()),
                           generate_policy_url=reverse("audit:generate_user_policy", args=[user.user_name]))
        if user.password_changed:
            context["password_age_days"] = (timezone.now() - user.password_changed).days
        return context


# ---------------------------------------------------------------------------
# Groups tab


class UserGroupsAddView(UserObjectMixin, PickerFormMixin, FormView):
    """Add user to groups: ``iam:ListGroups`` to see them, ``iam:AddUserToGroup`` per group."""

    iam_action = "iam:ListGroups"
    template_name = "accounts/user_groups_add.html"
    form_class = AddUserToGroupsForm

    def get_resource_arn(self) -> str:
        return self.account.arn("group/")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.iam_user}

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["current_groups"] = self.iam_user.iam_groups.count()
        return context

    def form_valid(self, form):
        groups = list(form.cleaned_data["groups"])
        denied = first_denied(self.request, [("iam:AddUserToGroup", group.arn) for group in groups])
        if denied is not None:
            return access_denied(self.request, denied)
        try:
            with transaction.atomic():
                for group in groups:
                    services.add_user_to_group(group, self.iam_user)
        except IAMError as exc:
            audit.failed(self.request, exc)
            form.add_iam_error("groups", exc)
            return self.form_invalid(form)
        names = ", ".join(group.name for group in groups)
        messages.success(self.request, f"User {self.iam_user.user_name} added to {names}.")
        return redirect(self.tab_url("groups"))


class UserGroupRemoveView(ConfirmRemovalMixin, UserObjectMixin, View):
    """Remove the user from one group (``iam:RemoveUserFromGroup`` on the group): GET confirms,
    naming the user and the group; POST removes."""

    iam_action = "iam:RemoveUserFromGroup"

    def setup_objects(self) -> None:
        super().setup_objects()
        self.group = get_or_404(services.get_group, self.account, self.kwargs["group"])

    def get_resource_arn(self) -> str:
        return self.group.arn

    def not_a_member(self) -> Http404:
        return Http404(f"The user {self.iam_user.user_name} is not in the group {self.group.name}.")

    def confirmation(self) -> Confirmation:
        if not self.iam_user.iam_groups.filter(pk=self.group.pk).exists():
            raise self.not_a_member()
        return Confirmation(
            heading=f"Remove {self.iam_user.user_name} from {self.group.name}?",
            detail=(f"{self.iam_user.user_name} loses the permissions the policies of {self.group.name} grant. "
                    "The group is not deleted."),
            cancel_url=self.tab_url("groups"),
            crumbs=((reverse("accounts:user_list"), "Users"), (self.tab_url("groups"), self.iam_user.user_name),
                    ("", "Remove from group")))

    def post(self, request, name, group):
        try:
            with transaction.atomic():
                services.remove_user_from_group(self.group, self.iam_user)
        except NoSuchEntity:
            raise self.not_a_member() from None
        messages.success(request, f"User {self.iam_user.user_name} removed from {self.group.name}.")
        return redirect(self.tab_url("groups"))


# ---------------------------------------------------------------------------
# Security credentials tab: console access


@method_decorator([never_cache, sensitive_post_parameters("custom_password")], name="dispatch")
class UserConsoleAccessView(UserObjectMixin, FormView):
    """Enable console access or reset the password (``iam:CreateLoginProfile`` /
    ``iam:UpdateLoginProfile``). The new password is shown once, on the response page."""

    iam_action = "iam:GetLoginProfile"
    template_name = "accounts/user_console_access.html"
    form_class = ConsoleAccessForm

    def get_iam_action(self) -> str:
        if self.request.method == "POST":
            return "iam:UpdateLoginProfile" if self.iam_user.has_console_access else "iam:CreateLoginProfile"
        return self.iam_action

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.iam_user}

    def form_valid(self, form):
        enabling = not self.iam_user.has_console_access
        password = form.new_password()
        try:
            with transaction.atomic():
                services.set_console_password(self.iam_user, password,
                                              reset_required=form.cleaned_data["password_reset_required"])
        except IAMError as exc:
            audit.failed(self.request, exc)
            form.add_iam_error("custom_password", exc)
            return self.form_invalid(form)
        keep_signed_in_if_self(self.request, self.iam_user)
        audit.changed(self.request)  # the password page answers the change, once
        return render(self.request, "accounts/user_console_password.html", {
            "iam_user": self.iam_user, "password": password, "enabled_now": enabling,
            "signin_url": services.iam_user_signin_url(self.account, request=self.request),
            "back_url": self.tab_url("security_credentials"),
        })


class UserConsoleAccessDisableView(UserObjectMixin, View):
    """Disable console access (POST, ``iam:DeleteLoginProfile``)."""

    iam_action = "iam:DeleteLoginProfile"
    http_method_names = ["post"]

    def post(self, request, name):
        try:
            with transaction.atomic():
                services.remove_console_access(self.iam_user)
        except IAMError as exc:
            audit.failed(request, exc)
            return render(request, "accounts/user_console_access.html", {
                "iam_user": self.iam_user, "form": ConsoleAccessForm(user=self.iam_user),
                "error": exc.message}, status=exc.status)
        keep_signed_in_if_self(request, self.iam_user)
        messages.success(request, f"Console access disabled for {self.iam_user.user_name}.")
        return redirect(self.tab_url("security_credentials"))


# ---------------------------------------------------------------------------
# Tags tab


class UserTagsView(ManageTagsMixin, UserObjectMixin, FormView):
    """Manage tags: ``iam:TagUser`` for added or changed keys, ``iam:UntagUser`` for removed ones."""

    iam_action = "iam:ListUserTags"

    def tagged(self) -> User:
        return self.iam_user

    def done_url(self) -> str:
        return self.tab_url("tags")

    def crumbs(self) -> list[tuple[str, str]]:
        return [("Users", reverse("accounts:user_list")), (self.iam_user.user_name, self.done_url())]


# ---------------------------------------------------------------------------
# Delete


class UserDeleteView(ImpliedCallsMixin, UserObjectMixin, FormView):
    """Delete one user the console's way: its password, MFA devices, policies, boundary and
    group memberships go first, each an IAM call authorised with DeleteUser (the page lists
    them). Confirmed by typing the user name."""

    iam_action = "iam:DeleteUser"
    template_name = "accounts/user_delete.html"
    form_class = DeleteConfirmationForm

    def implied_calls(self):
        return services.delete_user_plan(self.iam_user).calls

    def get_authorizations(self):
        # The reads of what the page names, as the console's delete lists them.
        return [*super().get_authorizations(), *reads_of(self.iam_user)]

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "expected": self.iam_user.user_name}

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        return super().get_context_data(plan=services.delete_user_plan(self.iam_user), **kwargs)

    def form_valid(self, form):
        return delete_users(self, form, [self.iam_user], f"User {self.iam_user.user_name} deleted.")


def delete_users(view, form, users: list[User], done: str):
    """Delete ``users`` the console's way in one transaction (:func:`.bulk.delete_each`)."""
    return delete_each(view, form, users, lambda user: services.delete_user(
        user, remove_dependents=True, authorize=view.authorize_calls), done, reverse("accounts:user_list"))


class UserBulkDeleteView(BulkDeleteMixin, UsersConsoleMixin, FormView):
    """Delete the users ticked on the list (``users`` parameters), confirmed by typing "delete";
    every call each user's delete stands for is authorised, and one Deny keeps them all."""

    iam_action = "iam:DeleteUser"
    template_name = "accounts/user_bulk_delete.html"
    param, noun, plural, list_url, arn_prefix = "users", "user", "users", "accounts:user_list", "user/"

    def find(self, names):
        users = find_named(User.objects.for_account(self.account).annotate(
            group_count=Count("iam_groups", distinct=True), has_mfa=_mfa_exists()),
            names, kind="user", field="user_name")
        for user in users:
            user.account = self.account
        return users

    def plan_of(self, user):
        return services.delete_user_plan(user)

    def delete(self, user):
        services.delete_user(user, remove_dependents=True, authorize=self.authorize_calls)


# User names may be any of [\w+=,.@-], so the fixed pages sit before ``<name>/`` and use
# paths no user page can take ("create" itself is the one name the wizard shadows).
urlpatterns = [
    path("iam/users/", UserListView.as_view(), name="user_list"),
    path("iam/users/create/", UserCreateWizard.as_view(), name="user_create"),
    path("iam/users/create/credentials/", UserCreateCSVView.as_view(), name="user_create_csv"),
    path("iam/users/delete/selected/", UserBulkDeleteView.as_view(), name="user_bulk_delete"),
    path("iam/users/<str:name>/", UserDetailView.as_view(), name="user_detail"),
    path("iam/users/<str:name>/delete/", UserDeleteView.as_view(), name="user_delete"),
    path("iam/users/<str:name>/groups/add/", UserGroupsAddView.as_view(), name="user_groups_add"),
    path("iam/users/<str:name>/groups/<str:group>/remove/", UserGroupRemoveView.as_view(),
         name="user_group_remove"),
    path("iam/users/<str:name>/console-access/", UserConsoleAccessView.as_view(), name="user_console_access"),
    path("iam/users/<str:name>/console-access/disable/", UserConsoleAccessDisableView.as_view(),
         name="user_console_access_disable"),
    path("iam/users/<str:name>/tags/", UserTagsView.as_view(), name="user_tags"),
]
