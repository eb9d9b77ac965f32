"""``{% picker field search="name" as p %}``: one page of a form field's choices (see
:mod:`iamportal.pickers`), for ``{% include "includes/_picker.html" with picker=p %}``."""

from __future__ import annotations

from typing import Any

from django import template

from iamportal import pickers
from policies.authz import authorize

register = template.Library()

#: The IAM call that lists a picker's choices, by model, and its resource in the caller's
#: account: a caller who may not make it sees AWS's AccessDenied instead of the choices,
#: as on the list page itself.
LISTS = {"User": ("iam:ListUsers", "user/"), "Group": ("iam:ListGroups", "group/"),
         "ManagedPolicy": ("iam:ListPolicies", None)}


@register.simple_tag(takes_context=True)
def picker(context: template.Context, bound: Any, search: str, columns: str = "",
           queryset: Any = None) -> pickers.Picker:
    """``columns``: the table's headings after the selection column, separated by ``|``."""
    request = context["request"]
    data = request.POST if request.method == "POST" else request.GET
    model = (bound.field.queryset if queryset is None else queryset).model
    action, prefix = LISTS.get(model.__name__, (None, None))
    auth = action and authorize(request, action, request.iam.account.arn(prefix) if prefix else "*")
    if action and not auth:
        chosen = pickers._chosen(bound)
        found = pickers.Picker(bound, [], "", 1, False, chosen, carried=chosen, denied=auth)
    else:
        found = pickers.page_of(bound, data, search=search, queryset=queryset)
    found.columns = [column for column in columns.split("|") if column]
    return found

