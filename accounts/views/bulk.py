"""Delete the entities ticked on a list (Users, User groups, Roles, Policies), as AWS's
console does: the list's Delete opens a page that names each selected entity and what its
delete removes first, and typing "delete" deletes them all in one transaction.

Every call each entity's delete stands for (accounts.dependents, or the policy's detach-all)
is authorised before that entity changes, and a Deny on any one of them rolls back every
delete of the selection: all or nothing. The names are looked up in the caller's account
only, so another account's name is as unknown as a misspelt one (a 404 naming it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from audit import services as audit
from iamportal.errors import IAMError, NoSuchEntity, ValidationError
from policies.authz import ActionDenied, ImpliedCallsMixin, access_denied

from ..dependents import on
from ..user_forms import DeleteConfirmationForm

#: A selection names at most this many entities (a page of a list shows 50; the quotas allow
#: 300 groups, 1,000 roles, 1,500 policies): more is refused before any query.
MAX_SELECTED = 100

#: The reads that return what the confirmation names of an entity's dependents, as AWS's
#: console makes them to list (and then remove) what a delete removes first: opening the page
#: and deleting need them too, so the page names nothing the caller may not read.
READS = {
    "User": ("iam:GetUser", "iam:GetLoginProfile", "iam:ListAccessKeys", "iam:ListMFADevices",
             "iam:ListUserPolicies", "iam:ListAttachedUserPolicies", "iam:ListGroupsForUser"),
    "Group": ("iam:GetGroup", "iam:ListGroupPolicies", "iam:ListAttachedGroupPolicies"),
    "Role": ("iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
             "iam:ListInstanceProfilesForRole"),
    "ManagedPolicy": ("iam:ListEntitiesForPolicy", "iam:ListPolicyVersions"),
}


def reads_of(entity: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """The :data:`READS` of ``entity``, with its condition keys (its tags)."""
    keys = on(entity)
    return [(action, entity.arn, keys) for action in READS[type(entity).__name__]]


def delete_each(view, form, entities: Iterable[Any], delete: Callable[[Any], None], done: str, list_url: str):
    """Delete ``entities`` (``delete(entity)``, which authorises through ``view.authorize_calls``)
    in one transaction: a Deny on any call refuses them all (AWS's AccessDenied page), an IAM
    error re-renders the form; then back to the list with ``done``."""
    try:
        with transaction.atomic():
            for entity in entities:
                delete(entity)
    except ActionDenied as denied:
        return access_denied(view.request, denied.auth)
    except IAMError as exc:
        audit.failed(view.request, exc)
        form.add_iam_error(None, exc)
        return view.form_invalid(form)
    messages.success(view.request, done)
    return redirect(list_url)


def find_named(entities, names: list[str], *, kind: str, field: str = "name") -> list[Any]:
    """The ones of ``entities`` (a queryset of one account's) called ``names``, in that order,
    in one query; IAM's ``NoSuchEntity`` for the first name none is called (``kind``: "user",
    "group", "role")."""
    queried = [name for name in names if "\x00" not in name]  # PostgreSQL refuses a NUL in a query
    found = {getattr(entity, field): entity for entity in entities.filter(**{f"{field}__in": queried})}
    for name in names:
        if name not in found:
            raise NoSuchEntity(f"The {kind} with name {name} cannot be found.")
    return [found[name] for name in names]


class SelectionRefused(Exception):
    """A selection no delete can take (too many names, an AWS managed policy): IAM's error
    page, with the error's status (400)."""

    def __init__(self, error: IAMError) -> None:
        super().__init__(error.message)
        self.error = error


class BulkDeleteMixin(ImpliedCallsMixin):
    """The confirmation page and the delete of the entities ticked on a list.

    Put it before the app's console mixin (a ``ConditionalIAMActionMixin``) and ``FormView``.
    A subclass sets:

    - ``param``: the name of the list's checkboxes (``?groups=A&groups=B``), posted back;
    - ``noun``, ``plural``: "user group", "user groups"; ``list_url``: the list's URL name;
    - ``arn_prefix``: the resource the view's action is checked on when nothing is selected
      ("group/");

    and defines :meth:`find` (the named entities of the caller's account), :meth:`plan_of`
    (what an entity's delete removes and the IAM calls it stands for) and :meth:`delete`.
    The page names each entity by its ``str``.
    """

    form_class = DeleteConfirmationForm
    template_name = "accounts/bulk_delete.html"
    param = ""
    noun = ""
    plural = ""
    list_url = ""
    arn_prefix = ""

    def find(self, names: list[str]) -> list[Any]:  # pragma: no cover - abstract
        """The entities ``names`` name, in that order, in the caller's account only;
        ``NoSuchEntity`` (IAM's words) for the first that names none."""
        raise NotImplementedError

    def plan_of(self, entity: Any) -> Any:  # pragma: no cover - abstract
        """A :class:`accounts.dependents.DeletePlan` or alike: ``calls``, every IAM call the
        entity's delete stands for (its Delete* call last), and ``summary``, what it removes
        first as ``(label, names, IAM actions)``."""
        raise NotImplementedError

    def delete(self, entity: Any) -> None:  # pragma: no cover - abstract
        """The console's delete of ``entity``, authorising its calls with :meth:`authorize_calls`."""
        raise NotImplementedError

    # ------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except SelectionRefused as refused:
            from policies.views.base import iam_error  # policies.views imports this module

            return iam_error(request, refused.error, reverse(self.list_url))

    def setup_objects(self) -> None:
        super().setup_objects()
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        names = list(dict.fromkeys(source.getlist(self.param)))
        if len(names) > MAX_SELECTED:
            raise SelectionRefused(ValidationError(
                f"Select at most {MAX_SELECTED} {self.plural} to delete at once ({len(names)} were selected)."))
        self.selected = names
        try:
            self.targets = self.find(names) if names else []
        except NoSuchEntity as exc:
            raise Http404(exc.message) from None
        self.plans = [(entity, self.plan_of(entity)) for entity in self.targets]

    def get_authorizations(self) -> list[tuple]:
        # The Delete* call of each selected entity, with its condition keys (its tags), and the
        # reads of what the page names.
        if not self.targets:
            return [(self.get_iam_action(), self.request.iam.account.arn(self.arn_prefix), {})]
        return [call for entity, plan in self.plans for call in (plan.calls[-1], *reads_of(entity))]

    def implied_calls(self):
        return [call for _, plan in self.plans for call in plan.calls]

    def nothing_selected(self):
        messages.info(self.request, f"Select the {self.plural} to delete.")
        return redirect(self.list_url)

    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs) if self.targets else self.nothing_selected()

    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs) if self.targets else self.nothing_selected()

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "expected": "delete"}

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "targets": self.targets, "param": self.param,
                "selected": self.selected,
                "noun": self.noun, "plural": self.plural, "list_url": reverse(self.list_url),
                "rows": self.plans}

    def form_valid(self, form):
        count = len(self.targets)
        done = f"{count} {self.noun if count == 1 else self.plural} deleted."
        return delete_each(self, form, self.targets, self.delete, done, reverse(self.list_url))
