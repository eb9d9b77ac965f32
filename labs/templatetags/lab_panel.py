"""``{% lab_panel %}``: the lab panel beside the console (labs/panel.py), rendered by the console
layout on every console page; ``{% lab_markdown text %}``: a lab's Markdown as safe HTML, with
``{account}`` standing for the caller's account id (labs/markdown.py)."""

from __future__ import annotations

from django import template

from labs import markdown
from labs.panel import panel_context

register = template.Library()


@register.inclusion_tag("labs/_panel.html", takes_context=True)
def lab_panel(context: template.Context) -> dict:
    request = context.get("request")
    return panel_context(request) if request is not None else {}


@register.simple_tag(takes_context=True)
def lab_markdown(context: template.Context, text: str):
    request = context.get("request")
    identity = getattr(request, "iam", None)
    account_id = identity.account.account_id if identity is not None else ""
    return markdown.render(text, {"{account}": account_id} if account_id else None)
