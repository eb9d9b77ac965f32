"""Authentication for the two sign-in forms: root by email, IAM user by account + name."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .models import Account, User, iam_login_key, root_login_key


class ConsoleBackend(ModelBackend):
    """``authenticate(request, email=, password=)`` for root users, or
    ``authenticate(request, account=, user_name=, password=)`` for IAM users."""

    def authenticate(self, request, password=None, email=None, account=None, user_name=None, **kwargs):
        if password is None:
            return None
        if email is not None:
            key = root_login_key(email)
        elif account is not None and user_name is not None:
            found = Account.objects.for_signin(account) if isinstance(account, str) else account
            if found is None:
                User().set_password(password)  # same work as a real check: no timing oracle
                return None
            key = iam_login_key(found.account_id, user_name)
        else:
            return None
        try:
            user = User.objects.select_related("account__password_policy").get(login_key=key)
        except User.DoesNotExist:
            User().set_password(password)
            return None
        if request is not None:
            request.signin_subject = user  # whom a failed sign-in is recorded for (audit trail)
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        try:
            # The account's organization membership comes along (LEFT JOIN): authorising a
            # request of an account outside any organization then asks nothing more (SCPs).
            user = User.objects.select_related("account__password_policy", "account__org_member__org").get(
                pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
