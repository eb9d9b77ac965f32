"""Console passwords over the Query API (boto3 against the live server): CreateLoginProfile,
GetLoginProfile, UpdateLoginProfile, DeleteLoginProfile and ChangePassword, under the
account's password policy."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from django.test import override_settings

from accounts import password_policy, services, tags
from policies import services as policy_services

from ..conftest import USER_PASSWORD
from .conftest import allow, new_key
from .helpers import aws_error

NEW_PASSWORD = "Espresso-Shot-2026!"
#: AWS's example "manage own credentials" statement (iam-facts §6.2, AllowManageOwnPasswords).
OWN_PASSWORD = allow(["iam:ChangePassword", "iam:GetUser"], "arn:aws:iam::*:user/${aws:username}")


def test_create_get_update_and_delete_a_login_profile(iam, account):
    carol = services.create_user(account, user_name="carol")
    profile = iam.create_login_profile(UserName="carol", Password=NEW_PASSWORD, PasswordResetRequired=True)
    assert profile["LoginProfile"]["UserName"] == "carol" and profile["LoginProfile"]["PasswordResetRequired"]
    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD) and carol.password_reset_required
    got = iam.get_login_profile(UserName="carol")["LoginProfile"]
    assert got["UserName"] == "carol" and got["PasswordResetRequired"] is True and got["CreateDate"]

    iam.update_login_profile(UserName="carol", PasswordResetRequired=False)  # the password stays
    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD) and not carol.password_reset_required
    iam.update_login_profile(UserName="carol", Password=USER_PASSWORD)
    carol.refresh_from_db()
    assert carol.check_password(USER_PASSWORD) and not carol.password_reset_required

    iam.delete_login_profile(UserName="carol")
    carol.refresh_from_db()
    assert not carol.has_usable_password()
    for call in (lambda: iam.get_login_profile(UserName="carol"), lambda: iam.delete_login_profile(UserName="carol"),
                 lambda: iam.update_login_profile(UserName="carol", Password=NEW_PASSWORD)):
        with pytest.raises(ClientError) as exc:
            call()
        assert aws_error(exc.value) == ("NoSuchEntity", "Login Profile for User carol cannot be found.", 404)


def test_login_profile_errors_in_awss_words(iam, account, alice, mallory):
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="alice", Password=NEW_PASSWORD)
    assert aws_error(exc.value) == ("EntityAlreadyExists", "Login Profile for user alice already exists.", 409)
    services.create_user(account, user_name="carol")
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="carol", Password="short")
    code, message, status = aws_error(exc.value)
    assert (code, status) == ("PasswordPolicyViolation", 400) and "minimum length of 8" in message
    assert "short" not in message
    secret = "é" * 200
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="carol", Password=secret)
    assert aws_error(exc.value) == ("ValidationError", "1 validation error detected: Value at 'password' failed to "
                                    "satisfy constraint: Member must have length less than or equal to 128", 400)
    assert not services.get_user(account, "carol").has_usable_password()
    services.create_user(mallory.account, user_name="theirs")
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="theirs", Password=NEW_PASSWORD)
    assert aws_error(exc.value) == ("NoSuchEntity", "The user with name theirs cannot be found.", 404)
    # The root user has no login profile of IAM's: a user name is needed.
    with pytest.raises(ClientError) as exc:
        iam.get_login_profile()
    assert aws_error(exc.value)[0] == "ValidationError"


def test_passwords_follow_the_account_password_policy(iam, account, alice):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=20, RequireSymbols=True,
                                                   PasswordReusePrevention=1)
    with pytest.raises(ClientError) as exc:
        iam.update_login_profile(UserName="alice", Password="Abcdefgh1")
    assert aws_error(exc.value) == ("PasswordPolicyViolation", "Password should have a minimum length of 20; "
                                    "Password should have at least one symbol", 400)
    alice.refresh_from_db()
    assert alice.check_password(USER_PASSWORD)
    iam.update_login_profile(UserName="alice", Password="A-much-longer-password-1")
    with pytest.raises(ClientError) as exc:
        iam.update_login_profile(UserName="alice", Password="A-much-longer-password-1")
    assert aws_error(exc.value) == ("PasswordPolicyViolation",
                                    "Password should not be one of the previous 1 passwords", 400)


def test_login_profile_authorisation(user_client, account, alice):
    arn = f"arn:aws:iam::{account.account_id}:user/alice"
    helper = user_client("helper", allow(["iam:GetLoginProfile", "iam:UpdateLoginProfile"], arn),
                         allow("iam:UpdateLoginProfile", "*", effect="Deny",
                               condition={"StringEquals": {"aws:ResourceTag/role": "admin"}}))
    assert helper.get_login_profile(UserName="alice")["LoginProfile"]["UserName"] == "alice"
    helper.update_login_profile(UserName="alice", Password=NEW_PASSWORD)
    with pytest.raises(ClientError) as exc:
        helper.delete_login_profile(UserName="alice")
    assert aws_error(exc.value) == ("AccessDenied", f"User: arn:aws:iam::{account.account_id}:user/helper is not "
                                    f"authorized to perform: iam:DeleteLoginProfile on resource: {arn} because no "
                                    "identity-based policy allows the iam:DeleteLoginProfile action", 403)
    tags.tag(alice, [("role", "admin")])
    with pytest.raises(ClientError) as exc:
        helper.update_login_profile(UserName="alice", Password=USER_PASSWORD)
    assert aws_error(exc.value)[1].endswith("with an explicit deny in an identity-based policy")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_change_password_is_the_callers_own(client_for, account, alice, iam):
    policy_services.put_inline_policy(alice, name="own", document=OWN_PASSWORD)
    own = client_for(new_key(alice))
    with pytest.raises(ClientError) as exc:
        own.change_password(OldPassword="wrong-password", NewPassword=NEW_PASSWORD)
    assert aws_error(exc.value) == ("InvalidInput", "The old password is incorrect.", 400)
    with pytest.raises(ClientError) as exc:
        own.change_password(OldPassword=USER_PASSWORD, NewPassword="weak")
    assert aws_error(exc.value)[0] == "PasswordPolicyViolation"
    own.change_password(OldPassword=USER_PASSWORD, NewPassword=NEW_PASSWORD)
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    with pytest.raises(ClientError) as exc:
        iam.change_password(OldPassword="x", NewPassword=NEW_PASSWORD)
    assert aws_error(exc.value)[0::2] == ("InvalidUserType", 400)


def test_change_password_needs_permission_or_the_policys_allowance(client_for, account, bob):
    caller = client_for(new_key(bob))
    with pytest.raises(ClientError) as exc:
        caller.change_password(OldPassword=USER_PASSWORD, NewPassword=NEW_PASSWORD)
    assert aws_error(exc.value) == ("AccessDenied", f"User: {bob.arn} is not authorized to perform: "
                                    f"iam:ChangePassword on resource: {bob.arn} because no identity-based policy "
                                    "allows the iam:ChangePassword action", 403)
    password_policy.update_account_password_policy(account, AllowUsersToChangePassword=True)
    caller.change_password(OldPassword=USER_PASSWORD, NewPassword=NEW_PASSWORD)
    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD)


@override_settings(IAMPORTAL_SIGNIN_ATTEMPTS=2)
def test_wrong_old_passwords_are_counted_and_refused_past_the_budget(client_for, alice):
    """A key holder cannot guess the old password without limit: each wrong one is counted
    although the call's transaction is rolled back, and past the budget even the right one
    is refused until the window ends."""
    own = client_for(new_key(alice))
    policy_services.put_inline_policy(alice, name="own", document=OWN_PASSWORD)
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            own.change_password(OldPassword="wrong-password", NewPassword=NEW_PASSWORD)
        assert aws_error(raised.value)[0] == "InvalidInput"
    with pytest.raises(ClientError) as raised:
        own.change_password(OldPassword=USER_PASSWORD, NewPassword=NEW_PASSWORD)
    assert aws_error(raised.value)[:2] == (
        "LimitExceeded", "Too many failed attempts to change the password. Try again later.")
    alice.refresh_from_db()
    assert alice.check_password(USER_PASSWORD)
