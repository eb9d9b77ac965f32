"""Confirm a removal before it happens, as AWS's console does (issue 11 item 11).

Removing a user from a group or a policy from a user, group or role is one POST; its GET is
a page that names what will be removed, with the form that does it and Cancel, so the list
pages link to it (no JavaScript needed). The view's own authorisation applies to both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.shortcuts import render


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page says and posts.

    Attributes:
        heading: the question ("Remove alice from Cashiers?").
        detail: one sentence on what the removal does.
        cancel_url: where Cancel goes back to (the page the removal was started from).
        submit: the button's text ("Remove").
        crumbs: ``(url, label)`` breadcrumbs after "IAM", the last one the page itself.
        fields: ``(name, value)`` hidden fields the POST needs (``policy_arn``).
    """

    heading: str
    detail: str
    cancel_url: str
    submit: str = "Remove"
    crumbs: tuple[tuple[str, str], ...] = ()
    fields: tuple[tuple[str, str], ...] = field(default=())


class ConfirmRemovalMixin:
    """GET renders :meth:`confirmation` on ``accounts/confirm_remove.html``; POST removes."""

    def confirmation(self) -> Confirmation:  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return render(request, "accounts/confirm_remove.html", {"confirm": self.confirmation()})
