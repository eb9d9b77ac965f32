"""Builds ``request.iam`` and keeps a user who must change their password on that page."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from .identity import identity_for


class ConsoleIdentityMiddleware:
    """Attach the caller's IAM identity; force the password change AWS forces at sign-in."""

    # Paths a user who must set a new password may still open.
    PASSWORD_RESET_ALLOWED = ("accounts:password_change", "accounts:signout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.iam = SimpleLazyObject(lambda: identity_for(request))
            if user.password_reset_required:  # an IAM user, or the root user of a created member account
                allowed = {reverse(name) for name in self.PASSWORD_RESET_ALLOWED}
                if request.path not in allowed and not request.path.startswith("/static/"):
                    return redirect("accounts:password_change")
        else:
            request.iam = None
        return self.get_response(request)
