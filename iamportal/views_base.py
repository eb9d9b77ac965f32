"""View helpers shared by the console's apps.

- :func:`get_or_404`: an IAM entity of the caller's account, or a 404 (STYLE.md P13).
- :class:`ServiceFormMixin`: a form whose valid data goes to service calls in one
  transaction, with IAM's errors shown on the form.
- :class:`SearchSortMixin`: the ``?q=`` search (:func:`search_query`) and ``?sort=``
  columns of the console lists.
- :class:`KnownStepMixin`: a wizard post naming a step the wizard does not have is a 400.
- :func:`form_error_status`: the status of a console form re-rendered with an IAM error.

Authorisation helpers (``first_denied``, ``require``, ``ConditionalIAMActionMixin``) live
in :mod:`policies.authz`, the one bridge to the policy engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404
from formtools.wizard.forms import ManagementForm

from audit import services as audit
from iamportal import durable
from iamportal.errors import EntityAlreadyExists, IAMError, InvalidInput, NoSuchEntity, ValidationError
from policies.authz import ActionDenied, access_denied, require

T = TypeVar("T")


def form_error_status(exc: IAMError) -> int:
    """A console form re-rendered with IAM error ``exc`` answers 200, as every form with its
    errors (AWS's status codes are its API's); throttling stays 429, a refusal to look."""
    return 429 if exc.code == "Throttling" else 200


def get_or_404(lookup: Callable[..., T], *args: Any) -> T:
    """``lookup(*args)``, a service lookup scoped to the caller's account, with IAM's
    ``NoSuchEntity`` as a 404: another account's entities do not exist for the caller."""
    try:
        return lookup(*args)
    except NoSuchEntity as exc:
        raise Http404(exc.message) from None


class ServiceFormMixin:
    """A console form whose valid data goes to service calls in one transaction.

    Subclasses implement ``perform(form) -> response``. IAM errors become form errors and
    the form re-renders with a 200, as every console form with errors (Django's admin
    does the same; AWS's status codes belong to its API): errors of the ``field_errors``
    kinds land on ``error_field`` (by default, errors about the entered name on ``name``),
    any other on the form.
    A secondary action refused by :meth:`require` rolls the transaction back and
    renders AWS's AccessDenied page.
    """

    error_field: str | None = "name"
    field_errors: tuple[type[IAMError], ...] = (ValidationError, InvalidInput, EntityAlreadyExists)

    def require(self, action: str, resource: str, context: dict[str, Any] | None = None) -> None:
        require(self.request, action, resource, context)

    def form_valid(self, form):
        try:
            # A failure count (iamportal.durable.keep: an email probed, a wrong code) survives
            # the rollback of the failed call.
            with durable.collecting(), transaction.atomic():
                return self.perform(form)
        except ActionDenied as denied:
            return access_denied(self.request, denied.auth)
        except IAMError as exc:
            audit.failed(self.request, exc)
            form.add_error(self.error_field if isinstance(exc, self.field_errors) else None, exc.message)
            return self.form_invalid(form)

    def perform(self, form):  # pragma: no cover - every subclass implements it
        raise NotImplementedError


class KnownStepMixin:
    """For a formtools wizard: a post whose ``current_step`` names no step of the wizard is
    a tampered form, answered 400 (``SuspiciousOperation``), as formtools answers a missing
    management form. formtools itself looks the step up unchecked (a ``KeyError``, a 500)."""

    def post(self, *args, **kwargs):
        management = ManagementForm(self.request.POST, prefix=self.prefix)
        if management.is_valid() and management.cleaned_data["current_step"] not in self.get_form_list():
            raise SuspiciousOperation("ManagementForm data is missing or has been tampered.")
        return super().post(*args, **kwargs)


def search_query(params: Any) -> str:
    """The ``?q=`` search text of a console list, stripped."""
    # No IAM name holds a NUL byte, and PostgreSQL refuses one in a query: drop it.
    return params.get("q", "").replace("\x00", "").strip()


class SearchSortMixin:
    """A console list searched with ``?q=`` and sorted with ``?sort=<column>`` (``-<column>``
    descending). ``SORTS`` maps each column to its ordering expression; ``name`` is the
    default."""

    SORTS: dict[str, Any] = {}
    search_field = "name"

    def get_search(self) -> str:
        return search_query(self.request.GET)

    def get_sort(self) -> tuple[str, bool]:
        value = self.request.GET.get("sort", "name")
        key = value.removeprefix("-")
        if key not in self.SORTS:
            return "name", False
        return key, value.startswith("-")

    def search_and_sort(self, queryset):
        query = self.get_search()
        if query:
            queryset = queryset.filter(**{f"{self.search_field}__icontains": query})
        key, descending = self.get_sort()
        field = self.SORTS[key]
        ordering = field.desc(nulls_last=True) if descending else field.asc(nulls_first=True)
        return queryset.order_by(ordering, "pk")

    def sort_context(self) -> dict[str, Any]:
        key, descending = self.get_sort()
        return {
            "q": self.get_search(),
            "sort_key": key,
            "sort_descending": descending,
            # The header link of each column: ascending first, a second click reverses it.
            "sort_links": {
                name: ("-" + name if name == key and not descending else name) for name in self.SORTS
            },
        }
