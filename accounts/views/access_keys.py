"""Console views: access keys — Create access key (three steps), activate / deactivate, delete.

Two URL families, as for MFA devices (:mod:`accounts.views.mfa`, whose
:class:`MFASubjectMixin` resolves whose keys a page manages):

- ``/iam/users/<name>/access-keys/...`` for an IAM user of the caller's account (the user's
  Security credentials tab links here; another account's user is a 404);
- ``/iam/security-credentials/access-keys/...`` for the signed-in principal itself, the root
  user included (My security credentials).

Every page authorises its IAM action on the owner's ARN with the owner's tags
(iam:CreateAccessKey, iam:UpdateAccessKey, iam:DeleteAccessKey); the description tag of
step 2 is an ``iam:TagUser`` call too (:func:`accounts.access_keys.create_calls`). The root
user may do all of it; an IAM user managing their own keys needs a policy allowing it on
their own ARN (``arn:aws:iam::*:user/${aws:username}``), as in AWS.

The secret is shown once. Step 2's POST creates the key and redirects to *Retrieve access
keys*; the session keeps the secret only sealed (:func:`accounts.seeds.seal_text`, bound to
the key id), for ten minutes, for that owner: the first view of the page shows it, a reload
does not, the one *Download .csv file* takes it, *Done* forgets it.
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from django.views.generic.base import ContextMixin

from audit import services as audit
from iamportal.errors import IAMError
from iamportal.views_base import get_or_404
from policies.authz import ActionDenied, ImpliedCallsMixin, access_denied

from .. import access_keys, seeds
from ..access_key_forms import (
    USE_CASES,
    DeleteAccessKeyForm,
    DescriptionForm,
    RootAcknowledgementForm,
    UseCaseForm,
)
from ..models import AccessKey
from .access_key_panel import QUOTA_REACHED, key_urls
from .mfa import MFASubjectMixin

# Session keys.
SESSION_PENDING = "iam_access_key_pending"  # {"<owner pk>": the key id step 1 reserved}
SESSION_NEW = "iam_access_key_new"          # the new key: owner, id, sealed secret, when, shown

#: However the Retrieve access keys page is left, the secret is gone after this long.
NEW_KEY_TTL = 10 * 60
_SEALED = "new access key secret:"

MUST_DEACTIVATE = "Before you can delete an access key, you must deactivate it."
STEP_TITLES = ("Access key best practices & alternatives", "Set description tag", "Retrieve access keys")
ROOT_STEP_TITLES = ("Root user access key", "Retrieve access key")


def step_titles(subject, current: int) -> list[tuple[int, str, bool]]:
    """The steps above a Create access key page (the root user's flow has no description)."""
    titles = ROOT_STEP_TITLES if subject.is_root else STEP_TITLES
    return [(number, title, number == current) for number, title in enumerate(titles, start=1)]


# ---------------------------------------------------------------------------
# What the session keeps between the steps


def _forget_new_key(request) -> None:
    request.session.pop(SESSION_NEW, None)


def _keep_new_key(request, key: AccessKey, secret: str) -> None:
    request.session[SESSION_NEW] = {
        "owner": key.user_id, "key_id": key.access_key_id, "at": time.time(), "shown": False,
        "sealed": seeds.seal_text(secret, _SEALED + key.access_key_id),
    }


class AccessKeyPageMixin(MFASubjectMixin):
    """A page about the access keys of ``self.subject`` (the MFA pages' subjects)."""

    def setup_objects(self) -> None:
        super().setup_objects()
        self.urls = key_urls(self.subject, self.self_service)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update({"urls": self.urls, "self_service": self.self_service})
        return context

    def problem(self, message: str, status: int):
        """A refusal in IAM's words, with the way back."""
        return render(self.request, "accounts/access_keys/problem.html",
                      {**self.get_context_data(), "message": message}, status=status)

    def kept(self) -> dict[str, Any] | None:
        """The new key the session keeps for this owner, if still fresh."""
        kept = self.request.session.get(SESSION_NEW)
        if (not isinstance(kept, dict) or kept.get("owner") != self.subject.pk
                or time.time() - float(kept.get("at") or 0) > NEW_KEY_TTL):
            return None
        return kept


# ---------------------------------------------------------------------------
# Create access key


@method_decorator(never_cache, name="dispatch")
class AccessKeyCreateView(ImpliedCallsMixin, AccessKeyPageMixin, TemplateView):
    """Create access key, steps 1 and 2 (the root user: its acknowledgement, then the key).

    Step 1 reserves the key's id in the session, so the description's TagUser can be
    authorised (and stored) under it, and a reloaded step 2 cannot create a second key.
    """

    iam_action = "iam:CreateAccessKey"
    key_id = ""
    description = ""

    def implied_calls(self):
        return access_keys.create_calls(self.subject, self.key_id, self.description)

    def get(self, request, *args, **kwargs):
        _forget_new_key(request)  # a new key: the last one's secret is gone
        if self.subject.is_root:
            return self.step_one(RootAcknowledgementForm())
        return self.step_one(UseCaseForm())

    def post(self, request, *args, **kwargs):
        if self.subject.is_root:
            form = RootAcknowledgementForm(request.POST)
            if not form.is_valid():
                return self.step_one(form)
            return self.create(access_keys.new_key_id(self.subject), "", form)
        if request.POST.get("step") == "description":
            return self.step_two_posted()
        form = UseCaseForm(request.POST)
        if not form.is_valid():
            return self.step_one(form)
        pending = dict(request.session.get(SESSION_PENDING) or {})
        pending[str(self.subject.pk)] = access_keys.new_key_id(self.subject)
        request.session[SESSION_PENDING] = pending
        return self.step_two(DescriptionForm())

    def step_two_posted(self):
        self.key_id = (self.request.session.get(SESSION_PENDING) or {}).get(str(self.subject.pk), "")
        if not self.key_id:
            messages.info(self.request, "This access key was already created, or its creation expired. "
                                        "Start again to create an access key.")
            return redirect(self.urls["create"])
        form = DescriptionForm(self.request.POST)
        if not form.is_valid():
            return self.step_two(form)
        self.description = form.cleaned_data["description"]
        return self.create(self.key_id, self.description, form)

    def create(self, key_id: str, description: str, form):
        self.key_id, self.description = key_id, description
        try:
            key, secret = access_keys.create_described_access_key(
                self.subject, key_id, description, authorize=self.authorize_calls)
        except ActionDenied as denied:
            return access_denied(self.request, denied.auth)
        except IAMError as exc:
            audit.failed(self.request, exc)
            form.add_error(None, exc.message)
            return self.step_one(form) if self.subject.is_root else self.step_two(form)
        pending = dict(self.request.session.get(SESSION_PENDING) or {})
        pending.pop(str(self.subject.pk), None)
        self.request.session[SESSION_PENDING] = pending
        _keep_new_key(self.request, key, secret)
        return redirect(self.urls["retrieve"])

    def quota_context(self) -> dict[str, Any]:
        count = self.subject.access_keys.count()
        return {"key_count": count, "quota": access_keys.ACCESS_KEYS_PER_USER,
                "quota_reached": count >= access_keys.ACCESS_KEYS_PER_USER, "quota_message": QUOTA_REACHED}

    def step_one(self, form):
        chosen = getattr(form, "chosen", None)
        return render(self.request, "accounts/access_keys/create_step1.html", {
            **self.get_context_data(), **self.quota_context(), "form": form, "use_cases": USE_CASES,
            "chosen": chosen, "step_titles": step_titles(self.subject, 1)})

    def step_two(self, form):
        return render(self.request, "accounts/access_keys/create_step2.html", {
            **self.get_context_data(), "form": form, "step_titles": step_titles(self.subject, 2)})


@method_decorator(never_cache, name="dispatch")
class AccessKeyRetrieveView(AccessKeyPageMixin, TemplateView):
    """Retrieve access keys: the id and, the first time only, the secret; *Download .csv
    file* (once) and *Done* (POST). Authorised as the iam:CreateAccessKey it completes."""

    iam_action = "iam:CreateAccessKey"
    template_name = "accounts/access_keys/retrieve.html"

    def get(self, request, *args, **kwargs):
        kept = self.kept()
        if kept is None:
            return self.gone()
        secret = None
        if not kept["shown"]:
            secret = seeds.open_text(kept.get("sealed") or "", _SEALED + kept["key_id"])
            request.session[SESSION_NEW] = {**kept, "shown": True}
        return self.render_to_response(self.get_context_data(
            key_id=kept["key_id"], secret=secret, downloadable=bool(kept.get("sealed")),
            step_titles=step_titles(self.subject, 2 if self.subject.is_root else 3)))

    def post(self, request, *args, **kwargs):
        if "download" not in request.POST:  # Done
            _forget_new_key(request)
            return redirect(self.done_url())
        kept = self.kept()
        secret = kept and seeds.open_text(kept.get("sealed") or "", _SEALED + kept["key_id"])
        if not secret:
            return self.gone()
        request.session[SESSION_NEW] = {**kept, "sealed": None, "shown": True}  # one download
        buffer = io.StringIO()
        csv.writer(buffer).writerows([["Access key ID", "Secret access key"], [kept["key_id"], secret]])
        name = "rootkey.csv" if self.subject.is_root else f"{self.subject.user_name}_accessKeys.csv"
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def gone(self):
        return render(self.request, "accounts/access_keys/secret_gone.html", self.get_context_data(),
                      status=410)


# ---------------------------------------------------------------------------
# Activate / deactivate, delete


def _posted_key(view, data) -> AccessKey:
    """The key of the view's owner that ``data`` names (404 for any other)."""
    return get_or_404(access_keys.get_access_key, view.subject, str(data.get("access_key_id", ""))[:128])


class AccessKeyStatusView(AccessKeyPageMixin, ContextMixin, View):
    """Activate or Deactivate (POST ``access_key_id``, ``status``): iam:UpdateAccessKey."""

    iam_action = "iam:UpdateAccessKey"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        key = _posted_key(self, request.POST)
        status = request.POST.get("status", "")
        try:
            with transaction.atomic():
                access_keys.update_access_key(key, status=status)
        except IAMError as exc:
            audit.failed(request, exc)
            return self.problem(exc.message, 400)
        messages.success(request, f"Access key {key.access_key_id} "
                                  f"{'activated' if key.is_active else 'deactivated'}.")
        if request.POST.get("next") == "delete":
            return redirect(f"{self.urls['delete']}?access_key_id={key.access_key_id}")
        return redirect(self.done_url())


@method_decorator(never_cache, name="dispatch")
class AccessKeyDeleteView(AccessKeyPageMixin, TemplateView):
    """Delete access key (``?access_key_id=``): the console's way, deactivate first, then
    type the key id (iam:DeleteAccessKey). Its description tag stays, as with the API."""

    iam_action = "iam:DeleteAccessKey"
    template_name = "accounts/access_keys/delete.html"

    def get(self, request, *args, **kwargs):
        key = _posted_key(self, request.GET)
        return self.render_to_response(self.get_context_data(
            key=key, form=DeleteAccessKeyForm(key_id=key.access_key_id)))

    def post(self, request, *args, **kwargs):
        key = _posted_key(self, request.POST)
        form = DeleteAccessKeyForm(request.POST, key_id=key.access_key_id)
        if key.is_active:
            form.is_valid()
            form.add_error(None, MUST_DEACTIVATE)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(key=key, form=form))
        with transaction.atomic():
            access_keys.delete_access_key(key)
        messages.success(request, f"Access key {key.access_key_id} deleted.")
        return redirect(self.done_url())


_own = {"self_service": True}

urlpatterns = [
    path("iam/security-credentials/access-keys/create/", AccessKeyCreateView.as_view(**_own),
         name="access_key_create"),
    path("iam/security-credentials/access-keys/retrieve/", AccessKeyRetrieveView.as_view(**_own),
         name="access_key_retrieve"),
    path("iam/security-credentials/access-keys/status/", AccessKeyStatusView.as_view(**_own),
         name="access_key_status"),
    path("iam/security-credentials/access-keys/delete/", AccessKeyDeleteView.as_view(**_own),
         name="access_key_delete"),
    path("iam/users/<str:user_name>/access-keys/create/", AccessKeyCreateView.as_view(),
         name="user_access_key_create"),
    path("iam/users/<str:user_name>/access-keys/retrieve/", AccessKeyRetrieveView.as_view(),
         name="user_access_key_retrieve"),
    path("iam/users/<str:user_name>/access-keys/status/", AccessKeyStatusView.as_view(),
         name="user_access_key_status"),
    path("iam/users/<str:user_name>/access-keys/delete/", AccessKeyDeleteView.as_view(),
         name="user_access_key_delete"),
]
