"""``{% picker field search="name" as p %}``: one page of a form field's choices (see
:mod:`iamportal.pickers`), for ``{% include "includes/_picker.html" with picker=p %}``."""

from __future__ import annotations

from typing import Any

from django import template

from iamportal import pickers

register = template.Library()


@register.simple_tag(takes_context=True)
def picker(context: template.Context, bound: Any, search: str, columns: str = "",
           queryset: Any = None) -> pickers.Picker:
    """``columns``: the table's headings after the selection column, separated by ``|``."""
    request = context["request"]
    data = request.POST if request.method == "POST" else request.GET
    found = pickers.page_of(bound, data, search=search, queryset=queryset)
    found.columns = [column for column in columns.split("|") if column]
    return found

