"""IAM users over the Query API (boto3 against the live server): CreateUser, GetUser,
ListUsers, UpdateUser, DeleteUser, TagUser, UntagUser, ListUserTags."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access_keys, roles, services
from accounts.models import User
from policies import services as policy_services

from .conftest import allow
from .helpers import aws_error


def denied(account, caller: str, action: str, resource: str, tail: str = "") -> tuple[str, str, int]:
    """AWS's AccessDenied for the IAM user ``caller`` of ``account``."""
    tail = tail or f"because no identity-based policy allows the {action} action"
    return ("AccessDenied", f"User: arn:aws:iam::{account.account_id}:user/{caller} is not authorized to perform: "
                            f"{action} on resource: {resource} {tail}", 403)


def user_arn(account, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account.account_id}:user{path}{name}"


# ---------------------------------------------------------------------------
# CreateUser


def test_create_user_saves_path_tags_and_boundary(iam, account, customer_policy):
    boundary = customer_policy("Bound", allow("s3:*"))
    user = iam.create_user(UserName="carol", Path="/baristas/", PermissionsBoundary=boundary,
                           Tags=[{"Key": "team", "Value": "blue"}])["User"]
    saved = services.get_user(account, "carol")
    assert user["UserName"] == "carol" and user["Path"] == "/baristas/"
    assert user["Arn"] == user_arn(account, "carol", "/baristas/") and user["UserId"] == saved.unique_id
    assert user["Tags"] == [{"Key": "team", "Value": "blue"}] and saved.tags == user["Tags"]
    assert user["PermissionsBoundary"] == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                           "PermissionsBoundaryArn": boundary}
    assert policy_services.get_permissions_boundary(saved).policy.arn == boundary


def test_create_user_errors_in_awss_words(iam, account, alice):
    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName="ALICE")
    assert aws_error(exc.value) == ("EntityAlreadyExists", "User with name ALICE already exists.", 409)
    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName="bad name")
    assert aws_error(exc.value) == ("ValidationError", "1 validation error detected: Value 'bad name' at 'userName' "
                                    "failed to satisfy constraint: Member must satisfy regular expression "
                                    "pattern: [\\w+=,.@-]+", 400)
    missing = f"arn:aws:iam::{account.account_id}:policy/Nope"
    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName="dave", PermissionsBoundary=missing)
    assert aws_error(exc.value) == ("NoSuchEntity", f"Policy {missing} does not exist or is not attachable.", 404)
    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName="erin", Tags=[{"Key": "aws:x", "Value": "1"}])
    assert aws_error(exc.value)[0] == "InvalidInput"
    assert not User.objects.for_account(account).filter(user_name__in=["dave", "erin"]).exists()


def test_create_user_is_authorised_with_its_tags_and_boundary(user_client, account, customer_policy):
    boundary = customer_policy("Bound", allow("s3:*"))
    delegate = user_client("delegate", allow(
        ["iam:CreateUser", "iam:PutUserPermissionsBoundary"], "*",
        condition={"StringEquals": {"iam:PermissionsBoundary": boundary}}))
    # Without the boundary the condition fails: nothing is created.
    with pytest.raises(ClientError) as exc:
        delegate.create_user(UserName="free")
    assert aws_error(exc.value) == denied(account, "delegate", "iam:CreateUser", user_arn(account, "free"))
    delegate.create_user(UserName="bounded", PermissionsBoundary=boundary)
    # Tags need iam:TagUser too.
    with pytest.raises(ClientError) as exc:
        delegate.create_user(UserName="tagged", PermissionsBoundary=boundary, Tags=[{"Key": "team", "Value": "x"}])
    assert aws_error(exc.value) == denied(account, "delegate", "iam:TagUser", user_arn(account, "tagged"))
    assert list(User.objects.for_account(account).values_list("user_name", flat=True)
                .order_by("user_name")) == ["bounded", "delegate"]

    tagger = user_client("tagger", allow(["iam:CreateUser", "iam:TagUser"], "*",
                                         condition={"StringEquals": {"aws:RequestTag/team": "blue"}}))
    tagger.create_user(UserName="blue1", Tags=[{"Key": "team", "Value": "blue"}])
    with pytest.raises(ClientError) as exc:
        tagger.create_user(UserName="red1", Tags=[{"Key": "team", "Value": "red"}])
    assert aws_error(exc.value) == denied(account, "tagger", "iam:CreateUser", user_arn(account, "red1"))


def test_create_user_denied_by_explicit_deny_and_by_boundary(user_client, account, customer_policy):
    denier = user_client("denier", allow("iam:*"), allow("iam:CreateUser", "*", effect="Deny"))
    with pytest.raises(ClientError) as exc:
        denier.create_user(UserName="x1")
    assert aws_error(exc.value) == denied(account, "denier", "iam:CreateUser", user_arn(account, "x1"),
                                          "with an explicit deny in an identity-based policy")
    bounded = user_client("bounded", allow("iam:*"), boundary=customer_policy("ReadOnly", allow("iam:Get*")))
    with pytest.raises(ClientError) as exc:
        bounded.create_user(UserName="x2")
    assert aws_error(exc.value) == denied(account, "bounded", "iam:CreateUser", user_arn(account, "x2"),
                                          "because no permissions boundary allows the iam:CreateUser action")


# ---------------------------------------------------------------------------
# GetUser, ListUsers


def test_get_user_named_or_the_caller(iam, user_client, account, alice, mallory):
    got = iam.get_user(UserName="alice")["User"]
    assert got["Arn"] == user_arn(account, "alice") and got["UserId"] == alice.unique_id
    assert iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{account.account_id}:root"
    # The "manage own credentials" statement: GetUser on arn:aws:iam::*:user/${aws:username}.
    own = user_client("bob", allow(["iam:GetUser"], "arn:aws:iam::*:user/${aws:username}"))
    assert own.get_user()["User"]["UserName"] == "bob"
    with pytest.raises(ClientError) as exc:
        own.get_user(UserName="alice")
    assert aws_error(exc.value) == denied(account, "bob", "iam:GetUser", user_arn(account, "alice"))
    services.create_user(mallory.account, user_name="mallet")
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName="mallet")
    assert aws_error(exc.value) == ("NoSuchEntity", "The user with name mallet cannot be found.", 404)


def test_get_user_is_decided_by_the_users_tags(user_client, account):
    services.create_user(account, user_name="blue", tags=[("team", "blue")])
    services.create_user(account, user_name="red", tags=[("team", "red")])
    reader = user_client("reader", allow("iam:GetUser", "*",
                                         condition={"StringEquals": {"aws:ResourceTag/team": "blue"}}))
    assert reader.get_user(UserName="blue")["User"]["Tags"] == [{"Key": "team", "Value": "blue"}]
    with pytest.raises(ClientError) as exc:
        reader.get_user(UserName="red")
    assert aws_error(exc.value) == denied(account, "reader", "iam:GetUser", user_arn(account, "red"))


def test_list_users_pages_by_name_within_a_path(iam, account, django_assert_max_num_queries):
    for index in range(55):
        services.create_user(account, user_name=f"u{index:02d}", path="/staff/" if index % 2 else "/")
    with django_assert_max_num_queries(12):
        first = iam.list_users(MaxItems=50)
    assert first["IsTruncated"] is True and len(first["Users"]) == 50
    rest = iam.list_users(MaxItems=50, Marker=first["Marker"])
    assert rest["IsTruncated"] is False
    names = [user["UserName"] for user in first["Users"] + rest["Users"]]
    assert names == [f"u{index:02d}" for index in range(55)]
    staff = iam.get_paginator("list_users").paginate(PathPrefix="/staff/", PaginationConfig={"PageSize": 10})
    assert [u["UserName"] for page in staff for u in page["Users"]] == [f"u{i:02d}" for i in range(1, 55, 2)]
    with pytest.raises(ClientError) as exc:
        iam.list_users(Marker="forged")
    assert aws_error(exc.value)[:1] == ("ValidationError",)
    with pytest.raises(ClientError) as exc:
        iam.list_users(PathPrefix="staff")
    assert aws_error(exc.value)[0] == "ValidationError"


# ---------------------------------------------------------------------------
# UpdateUser


def test_update_user_renames_and_moves(iam, account, alice, bob):
    iam.update_user(UserName="alice", NewUserName="alicia", NewPath="/managers/")
    alice.refresh_from_db()
    assert (alice.user_name, alice.path) == ("alicia", "/managers/")
    assert iam.get_user(UserName="alicia")["User"]["Arn"] == user_arn(account, "alicia", "/managers/")
    assert User.objects.get(login_key=f"{account.account_id}:alicia") == alice  # signs in by its new name
    with pytest.raises(ClientError) as exc:
        iam.update_user(UserName="alicia", NewUserName="BOB")
    assert aws_error(exc.value) == ("EntityAlreadyExists", "User with name BOB already exists.", 409)
    with pytest.raises(ClientError) as exc:
        iam.update_user(UserName="alice", NewUserName="x")
    assert aws_error(exc.value) == ("NoSuchEntity", "The user with name alice cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.update_user(UserName="alicia", NewPath="nope")
    assert aws_error(exc.value)[0] == "ValidationError" and "'newPath'" in aws_error(exc.value)[1]
    iam.update_user(UserName="alicia", NewUserName="Alicia")  # its own name in another case
    alice.refresh_from_db()
    assert alice.user_name == "Alicia"


def test_update_user_needs_the_old_and_the_new_arn(user_client, account, alice):
    renamer = user_client("renamer", allow("iam:UpdateUser", user_arn(account, "alice")))
    with pytest.raises(ClientError) as exc:
        renamer.update_user(UserName="alice", NewUserName="alicia")
    assert aws_error(exc.value) == denied(account, "renamer", "iam:UpdateUser", user_arn(account, "alicia"))
    alice.refresh_from_db()
    assert alice.user_name == "alice"
    both = user_client("both", allow("iam:UpdateUser", [user_arn(account, "alice"), user_arn(account, "alicia")]))
    both.update_user(UserName="alice", NewUserName="alicia")
    alice.refresh_from_db()
    assert alice.user_name == "alicia"


# ---------------------------------------------------------------------------
# DeleteUser


def test_delete_user_refuses_while_anything_remains(iam, account, alice, customer_policy):
    """alice has a password (the fixture); each blocker in turn gives IAM's words."""
    group = services.create_group(account, name="Baristas", users=[alice])
    key, _ = access_keys.create_access_key(alice)
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    policy_services.attach_policy(alice, policy_arn=customer_policy("P", allow("s3:*")))
    policy_services.put_inline_policy(alice, name="inline", document=allow("s3:*"))
    policy_services.put_permissions_boundary(alice, policy_arn=customer_policy("B", allow("s3:*")))
    steps = [
        ("must delete login profile", lambda: iam.delete_login_profile(UserName="alice")),
        ("must delete access keys", lambda: iam.delete_access_key(UserName="alice", AccessKeyId=key.access_key_id)),
        ("must delete MFA device", lambda: TOTPDevice.objects.filter(user=alice).delete()),
        ("must detach all policies", lambda: policy_services.detach_policy(
            alice, policy_arn=f"arn:aws:iam::{account.account_id}:policy/P")),
        ("must delete policies", lambda: policy_services.delete_inline_policy(alice, name="inline")),
        ("must remove user from all groups", lambda: iam.remove_user_from_group(GroupName="Baristas",
                                                                                 UserName="alice")),
    ]
    for words, remove in steps:
        with pytest.raises(ClientError) as exc:
            iam.delete_user(UserName="alice")
        assert aws_error(exc.value) == ("DeleteConflict", f"Cannot delete entity, {words} first.", 409)
        remove()
    iam.delete_user(UserName="alice")  # the boundary and tags are no blockers
    assert not User.objects.for_account(account).filter(user_name="alice").exists()
    assert group.members.count() == 0


def test_delete_user_authorisation_and_other_accounts(user_client, iam, account, mallory):
    services.create_user(account, user_name="temp", tags=[("team", "blue")])
    deleter = user_client("deleter", allow("iam:DeleteUser", "*",
                                           condition={"StringEquals": {"aws:ResourceTag/team": "red"}}))
    with pytest.raises(ClientError) as exc:
        deleter.delete_user(UserName="temp")
    assert aws_error(exc.value) == denied(account, "deleter", "iam:DeleteUser", user_arn(account, "temp"))
    services.create_user(mallory.account, user_name="theirs")
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="theirs")
    assert aws_error(exc.value) == ("NoSuchEntity", "The user with name theirs cannot be found.", 404)
    assert User.objects.for_account(mallory.account).filter(user_name="theirs").exists()


# ---------------------------------------------------------------------------
# Tags


def test_tag_untag_and_list_user_tags(iam, account, alice):
    iam.tag_user(UserName="alice", Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "dev"}])
    iam.tag_user(UserName="alice", Tags=[{"Key": "TEAM", "Value": "red"}])  # keys compared whatever the case
    assert iam.list_user_tags(UserName="alice")["Tags"] == [{"Key": "TEAM", "Value": "red"},
                                                            {"Key": "env", "Value": "dev"}]
    first = iam.list_user_tags(UserName="alice", MaxItems=1)
    assert first["IsTruncated"] is True and len(first["Tags"]) == 1
    rest = iam.list_user_tags(UserName="alice", MaxItems=1, Marker=first["Marker"])
    assert rest["IsTruncated"] is False and len(rest["Tags"]) == 1
    iam.untag_user(UserName="alice", TagKeys=["team", "absent"])
    alice.refresh_from_db()
    assert alice.tags == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as exc:
        iam.tag_user(UserName="alice", Tags=[{"Key": f"k{index}", "Value": ""} for index in range(50)])
    assert aws_error(exc.value)[0] == "ValidationError"  # 51 tags in all
    alice.refresh_from_db()
    assert alice.tags == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as exc:
        iam.untag_user(UserName="alice", TagKeys=["bad!key"])
    assert aws_error(exc.value) == ("ValidationError", "1 validation error detected: Value 'bad!key' at "
                                    "'tagKeys.1.member' failed to satisfy constraint: Member must satisfy regular "
                                    "expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+", 400)


def test_tagging_is_decided_by_request_and_resource_tags(user_client, account):
    services.create_user(account, user_name="blue", tags=[("team", "blue")])
    services.create_user(account, user_name="red", tags=[("team", "red")])
    tagger = user_client("tagger", allow(["iam:TagUser", "iam:UntagUser", "iam:ListUserTags"], "*", condition={
        "StringEquals": {"aws:ResourceTag/team": "blue"}}), allow("iam:TagUser", "*", effect="Deny", condition={
            "ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}))
    tagger.tag_user(UserName="blue", Tags=[{"Key": "env", "Value": "dev"}])
    with pytest.raises(ClientError) as exc:
        tagger.tag_user(UserName="blue", Tags=[{"Key": "owner", "Value": "me"}])
    assert aws_error(exc.value) == denied(account, "tagger", "iam:TagUser", user_arn(account, "blue"),
                                          "with an explicit deny in an identity-based policy")
    for call in (lambda: tagger.tag_user(UserName="red", Tags=[{"Key": "env", "Value": "dev"}]),
                 lambda: tagger.untag_user(UserName="red", TagKeys=["team"]),
                 lambda: tagger.list_user_tags(UserName="red")):
        with pytest.raises(ClientError) as exc:
            call()
        assert aws_error(exc.value)[0] == "AccessDenied"
    assert services.get_user(account, "red").tags == [{"Key": "team", "Value": "red"}]
    tagger.untag_user(UserName="blue", TagKeys=["env"])
    assert services.get_user(account, "blue").tags == [{"Key": "team", "Value": "blue"}]


def test_a_role_session_must_name_the_user(client_for, user_client, account, alice):
    """"The calling user" is no one for a role session: IAM asks for a user name (and
    ChangePassword, which has none, refuses the caller's type)."""
    role = roles.create_role(account, name="Admin", trust_policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": account.root_arn}, "Action": "sts:AssumeRole"}]}))
    policy_services.put_inline_policy(role, name="admin", document=allow("iam:*"))
    assumer = user_client("assumer", allow("sts:AssumeRole"), service="sts")
    credentials = assumer.assume_role(RoleArn=role.arn, RoleSessionName="s1")["Credentials"]
    session = client_for((credentials["AccessKeyId"], credentials["SecretAccessKey"]),
                         token=credentials["SessionToken"])
    for call in (session.get_user, session.create_access_key, session.list_access_keys):
        with pytest.raises(ClientError) as exc:
            call()
        assert aws_error(exc.value) == ("ValidationError", "Must specify userName when calling with non-User "
                                        "credentials", 400)
    with pytest.raises(ClientError) as exc:
        session.change_password(OldPassword="x", NewPassword="y")
    assert aws_error(exc.value)[0] == "InvalidUserType"
    assert session.get_user(UserName="alice")["User"]["UserName"] == "alice"
    assert not alice.access_keys.exists()
