"""The Manage tags page, one for every taggable entity (:mod:`accounts.tags`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect

from audit import services as audit
from iamportal.errors import IAMError
from policies.authz import access_denied, first_denied

from .. import tags


class ManageTagsMixin:
    """Manage tags of :meth:`tagged` (a user, role or customer managed policy) in a
    ``FormView``. Opening the page is the view's ``iam_action`` (``iam:List<X>Tags``);
    saving authorises :func:`accounts.tags.update_calls` (``iam:Tag<X>`` with the tags
    added or changed, ``iam:Untag<X>`` with the keys removed) and saves nothing unless
    every call is allowed.
    """

    template_name = "accounts/tags_edit.html"
    form_class = tags.TagsForm

    def tagged(self) -> Any:
        raise NotImplementedError

    def done_url(self) -> str:
        """The entity's Tags tab."""
        raise NotImplementedError

    def crumbs(self) -> list[tuple[str, str]]:
        """The breadcrumbs before "Manage tags": ``(label, url)`` pairs."""
        raise NotImplementedError

    def subject_name(self) -> str:
        return self.crumbs()[-1][0]

    def get_form_kwargs(self) -> dict[str, Any]:
        current = tags.pairs(self.tagged())
        return {**super().get_form_kwargs(), "tags": current, "extra_rows": 0 if current else 1}

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update({"subject_name": self.subject_name(), "crumbs": self.crumbs(), "done_url": self.done_url()})
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        edited = form.edited(self.form_class())
        if edited is not None:
            return self.render_to_response(self.get_context_data(form=edited))
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def form_valid(self, form):
        entity, new = self.tagged(), form.cleaned_data["tags"]
        denied = first_denied(self.request, tags.update_calls(entity, new, self.get_condition_context()))
        if denied is not None:
            return access_denied(self.request, denied)
        try:
            with transaction.atomic():
                tags.save_tags(entity, new)
        except IAMError as exc:
            audit.failed(self.request, exc)
            form.add_iam_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Tags saved for {tags.noun(entity).lower()} {self.subject_name()}.")
        return redirect(self.done_url())
