"""Server-side pickers: a searchable, paged table of choices for one form field.

The console's choosers (groups to join, a user to copy, policies to attach, a boundary, users
to add to a group) list rows of the caller's account, which can hold thousands of them.
As AWS's console does, a picker shows one page of rows, filtered by a search box, and the
server renders only that page: what a page costs does not grow with the account.

A picker lives inside the page's own POST form and works without JavaScript:

* its search and page buttons are submit buttons named :data:`NAVIGATE` whose value says
  which picker moves where (``"<field html name>:<page>"``); a view that sees
  :func:`is_navigation` re-renders the form with what was posted (see :func:`redisplayed`)
  instead of saving it;
* the chosen values that are not on the page shown travel as hidden inputs, so a choice
  made on page 1 survives a search or a move to page 3.

The field must be a ``ModelChoiceField`` or ``ModelMultipleChoiceField`` with
``to_field_name``: validating a POST then queries only the values posted, never the whole
list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import QuerySet

NAVIGATE = "picker"
PER_PAGE = 20
MAX_PAGE = 10_000
QUERY_MAX = 128
# Every chooser is bounded by an IAM quota (10 groups, 10 policies, one user or boundary),
# users to add to a group aside; more values than this are not carried between pages.
MAX_CARRIED = 100


@dataclass
class Picker:
    """One page of a field's choices, as the template ``includes/_picker.html`` shows it."""

    field: forms.BoundField
    rows: list[Any]
    query: str
    page: int
    has_next: bool
    chosen: list[str]
    carried: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    denied: Any = None  # the AccessDenied of the call that lists the choices: no rows shown

    @property
    def name(self) -> str:
        return self.field.html_name

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def entries(self) -> list[tuple[Any, str, bool]]:
        """``(row, value, chosen)`` for each row of the page."""
        values = [self.value_of(row) for row in self.rows]
        return [(row, value, value in self.chosen) for row, value in zip(self.rows, values)]

    def value_of(self, row: Any) -> str:
        return str(getattr(row, self.field.field.to_field_name))


def is_navigation(data: Any) -> bool:
    """Whether a POST is a picker's search or page button rather than the form's own submit."""
    return NAVIGATE in data


def _page_asked(data: Any, name: str) -> int:
    """The page this picker should show: the one its button asked for, else the one it was on."""
    target, _, number = str(data.get(NAVIGATE, "")).rpartition(":")
    if target != name:
        number = str(data.get(f"{name}-p", "1"))
    if number.isascii() and number.isdigit() and len(number) <= 5:
        return max(1, min(int(number), MAX_PAGE))
    return 1


def _chosen(bound: forms.BoundField) -> list[str]:
    value = bound.value()
    if value in (None, ""):
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    return [str(v) for v in values if v not in (None, "")][:MAX_CARRIED]


def page_of(bound: forms.BoundField, data: Any, *, search: str, queryset: QuerySet | None = None,
            per_page: int = PER_PAGE) -> Picker:
    """The page of ``bound``'s choices that ``data`` (the request's POST or GET) asks for.

    ``search`` is the model field the search box filters (case-insensitive substring);
    ``queryset`` overrides the field's own (e.g. to prefetch what the rows show).
    """
    rows_from = bound.field.queryset if queryset is None else queryset
    name = bound.html_name
    query = str(data.get(f"{name}-q", "")).strip()[:QUERY_MAX].replace("\x00", "")
    if query:
        rows_from = rows_from.filter(**{f"{search}__icontains": query})
    page = _page_asked(data, name)
    start = (page - 1) * per_page
    rows = list(rows_from[start:start + per_page + 1])
    if not rows and page > 1:  # past the end (the list shrank, or a made-up page): the first page
        page, rows = 1, list(rows_from[:per_page + 1])
    picker = Picker(bound, rows[:per_page], query, page, len(rows) > per_page, _chosen(bound))
    shown = {picker.value_of(row) for row in picker.rows}
    picker.carried = [value for value in picker.chosen if value not in shown]
    return picker


def redisplayed(form: forms.BaseForm, **kwargs: Any) -> forms.BaseForm:
    """An unbound copy of a posted ``form`` whose initial values are what was posted, so a
    picker's search or page button shows the form again as it was, without error messages.
    ``kwargs`` are the form's own constructor arguments."""
    initial = {
        name: formfield.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, formfield in form.fields.items()
    }
    return type(form)(initial=initial, prefix=form.prefix, **kwargs)


class PickerFormMixin:
    """For a ``FormView`` whose form has pickers: a picker's Search or page button shows the
    form again as posted, instead of submitting it."""

    def post(self, request, *args, **kwargs):
        if not is_navigation(request.POST):
            return super().post(request, *args, **kwargs)
        form_kwargs = self.get_form_kwargs()
        form = self.get_form_class()(**form_kwargs)
        own = {key: value for key, value in form_kwargs.items()
               if key not in ("data", "files", "initial", "prefix")}
        return self.render_to_response(self.get_context_data(form=redisplayed(form, **own)))


def wizard_redisplay(wizard: Any):
    """For a formtools wizard: its current step shown again as posted when a picker's button
    was pressed, else ``None`` (the POST goes on as usual)."""
    data = wizard.request.POST
    step = wizard.steps.current
    if not is_navigation(data) or data.get(f"{wizard.prefix}-current_step") != step:
        return None
    form = wizard.get_form(step=step, data=data, files=wizard.request.FILES)
    return wizard.render(redisplayed(form, **wizard.get_form_kwargs(step)))
