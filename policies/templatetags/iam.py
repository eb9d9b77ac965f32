"""Inline denials: ask the engine from a template, show a denied action as such.

A page the caller may open often offers actions the caller may not perform ("Create
user" for a user with IAMReadOnlyAccess). AWS shows those controls disabled, with the
reason; these tags do the same with the one authorisation helper
(:func:`policies.authz.authorize`)::

    {% load iam %}

    {# 1. A link-button: a link when allowed, else a disabled button and the reason. #}
    {% url 'accounts:user_create' as create_url %}
    {% iam_button "iam:CreateUser" "user/" "Create user" href=create_url classes="primary" %}

    {# 2. Any control: ask, then use the answer. #}
    {% iam_can "iam:DeleteUser" iam_user as can_delete %}
    <button type="submit" class="danger" {% iam_disabled can_delete %}>Delete</button>
    {% iam_denied_reason can_delete %}
    {% if not can_delete %}…{{ can_delete.message }}…{% endif %}

The resource may be an object with an ``arn`` (a user, group, role or managed policy),
an ARN, ``"*"``, or a path relative to the caller's account (``"user/"``,
``"group/Cashiers"``), which becomes ``arn:aws:iam::<account>:user/`` and so on: use
the resource the view itself authorises (its ``get_resource_arn``), so the button and
the page agree. Answers are cached per request, so asking twice costs nothing.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from accounts.tags import resource_tag_context
from policies.authz import Authorization, authorize

register = template.Library()

_CACHE_ATTR = "_iam_can_cache"


def resource_arn(identity: Any, resource: Any) -> str:
    """The ARN a template named: an object's ``arn``, an ARN or ``*``, or a path in the
    caller's account (``"user/"`` → ``arn:aws:iam::<account>:user/``)."""
    arn = getattr(resource, "arn", None)
    if isinstance(arn, str):
        return arn
    text = str(resource or "*")
    if text == "*" or text.startswith("arn:") or identity is None:
        return text
    return identity.account.arn(text)


def can(request: Any, action: str, resource: Any = "*") -> Authorization:
    """:func:`policies.authz.authorize` for templates, cached on the request. A tagged
    entity (user, role, policy) is asked about with its tags as ``aws:ResourceTag/…``, as
    the page it leads to asks, so a button and its page agree."""
    arn = resource_arn(getattr(request, "iam", None), resource)
    cache = getattr(request, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(request, _CACHE_ATTR, cache)
    key = (action, arn)
    if key not in cache:
        from audit.last_accessed import probing  # a button's check is no use of its action

        with probing(request):
            cache[key] = authorize(request, action, arn, resource_tag_context(resource) or None)
    return cache[key]


@register.simple_tag(takes_context=True)
def iam_can(context: template.Context, action: str, resource: Any = "*") -> Authorization:
    """``{% iam_can "iam:CreateUser" "user/" as can_create %}``: the Authorization (true
    when allowed; ``.message`` is AWS's AccessDenied text when not)."""
    request = context.get("request")
    if request is None:
        return Authorization(False, action, str(resource), "anonymous", "implicitDeny",
                             f"because no identity-based policy allows the {action} action")
    return can(request, action, resource)


@register.simple_tag
def iam_disabled(auth: Authorization | None) -> str:
    """Attributes that disable a control the caller may not use, with the reason as its
    title; nothing when allowed."""
    if auth is None or auth:
        return ""
    return format_html('disabled aria-disabled="true" title="{}"', auth.message)


@register.simple_tag
def iam_denied_reason(auth: Authorization | None) -> str:
    """The AccessDenied text next to a disabled control, for screen readers (a disabled
    button cannot take focus, so its title alone would never be read)."""
    if auth is None or auth:
        return ""
    return format_html('<span class="visually-hidden denied-reason">{}</span>', auth.message)


@register.simple_tag(takes_context=True)
def iam_button(context: template.Context, action: str, resource: Any, label: str, href: str = "",
               classes: str = "") -> str:
    """A link styled as a button when ``action`` is allowed on ``resource``; otherwise a
    disabled button with AWS's AccessDenied message as its title and hidden text."""
    auth = iam_can(context, action, resource)
    css = f"button {classes}".strip()
    if auth:
        return format_html('<a class="{}" href="{}">{}</a>', css, href, label)
    return format_html(
        '<button type="button" class="{}" disabled aria-disabled="true" title="{}" data-denied-action="{}">'
        '{}</button><span class="visually-hidden denied-reason">{}</span>',
        css, auth.message, action, label, auth.message)
