"""Access keys over the Query API (boto3 against the live server): CreateAccessKey,
UpdateAccessKey, DeleteAccessKey, ListAccessKeys, GetAccessKeyLastUsed — and that a key
made over the API signs calls until it is deactivated or deleted."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from accounts import access_keys, services
from accounts.models import AccessKey
from policies import services as policy_services

from .conftest import allow, new_key
from .helpers import aws_error

INVALID_KEY = ("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
#: AWS's "manage own credentials" statements for access keys (iam-facts §6.2, with GetAccessKeyLastUsed).
OWN_KEYS = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "AllowManageOwnAccessKeys", "Effect": "Allow",
    "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey",
               "iam:GetAccessKeyLastUsed"],
    "Resource": "arn:aws:iam::*:user/${aws:username}"}]})


def test_root_creates_its_own_key_which_signs_calls(iam, client_for, account, root):
    created = iam.create_access_key()["AccessKey"]
    assert created["UserName"] == "root" and created["Status"] == "Active"
    assert created["AccessKeyId"].startswith("AKIA") and len(created["AccessKeyId"]) == 20
    assert len(created["SecretAccessKey"]) == 40
    stored = AccessKey.objects.get(access_key_id=created["AccessKeyId"])
    assert stored.user == root and created["SecretAccessKey"] not in stored.sealed_secret
    caller = client_for((created["AccessKeyId"], created["SecretAccessKey"]), "sts").get_caller_identity()
    assert caller["Arn"] == f"arn:aws:iam::{account.account_id}:root"
    listed = iam.list_access_keys()["AccessKeyMetadata"]
    assert [key["AccessKeyId"] for key in listed] == [key.access_key_id for key in root.access_keys.all()]
    assert all("SecretAccessKey" not in key for key in listed)
    first = iam.list_access_keys(MaxItems=1)
    rest = iam.list_access_keys(MaxItems=1, Marker=first["Marker"])
    assert first["IsTruncated"] and not rest["IsTruncated"]
    assert [key["AccessKeyId"] for key in first["AccessKeyMetadata"] + rest["AccessKeyMetadata"]] == \
        [key["AccessKeyId"] for key in listed]
    # The fixture's key and this one: the quota is two.
    with pytest.raises(ClientError) as exc:
        iam.create_access_key()
    assert aws_error(exc.value) == ("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)


def test_an_inactive_or_deleted_key_is_refused(iam, client_for, account, alice):
    created = iam.create_access_key(UserName="alice")["AccessKey"]
    key = (created["AccessKeyId"], created["SecretAccessKey"])
    assert client_for(key, "sts").get_caller_identity()["Arn"] == alice.arn
    iam.update_access_key(UserName="alice", AccessKeyId=key[0], Status="Inactive")
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    with pytest.raises(ClientError) as exc:
        client_for(key, "sts").get_caller_identity()
    assert aws_error(exc.value) == INVALID_KEY
    iam.update_access_key(UserName="alice", AccessKeyId=key[0], Status="Active")
    assert client_for(key, "sts").get_caller_identity()["Arn"] == alice.arn
    iam.delete_access_key(UserName="alice", AccessKeyId=key[0])  # the API deletes an active key too
    assert not AccessKey.objects.filter(access_key_id=key[0]).exists()
    with pytest.raises(ClientError) as exc:
        client_for(key, "sts").get_caller_identity()
    assert aws_error(exc.value) == INVALID_KEY


def test_access_key_errors_in_awss_words(iam, account, alice, mallory):
    missing = "AKIAAAAAAAAAAAAAAAAA"
    for call in (lambda: iam.update_access_key(UserName="alice", AccessKeyId=missing, Status="Inactive"),
                 lambda: iam.delete_access_key(UserName="alice", AccessKeyId=missing),
                 lambda: iam.get_access_key_last_used(AccessKeyId=missing)):
        with pytest.raises(ClientError) as exc:
            call()
        assert aws_error(exc.value) == ("NoSuchEntity", f"The Access Key with id {missing} cannot be found", 404)
    # Another user's key, and another account's, are not there either.
    theirs, _ = access_keys.create_access_key(services.create_user(mallory.account, user_name="theirs"))
    roots, _ = access_keys.create_access_key(alice.account.principals.get(is_root=True))
    for key_id in (theirs.access_key_id, roots.access_key_id):
        with pytest.raises(ClientError) as exc:
            iam.delete_access_key(UserName="alice", AccessKeyId=key_id)
        assert aws_error(exc.value)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        iam.get_access_key_last_used(AccessKeyId=theirs.access_key_id)
    assert aws_error(exc.value)[0] == "NoSuchEntity"
    assert AccessKey.objects.filter(pk__in=[theirs.pk, roots.pk]).count() == 2
    with pytest.raises(ClientError) as exc:
        iam.update_access_key(UserName="alice", AccessKeyId=roots.access_key_id, Status="Paused")
    assert aws_error(exc.value) == ("ValidationError", "1 validation error detected: Value 'Paused' at 'status' "
                                    "failed to satisfy constraint: Member must satisfy enum value set: "
                                    "[Active, Inactive, Expired]", 400)
    with pytest.raises(ClientError) as exc:
        iam.list_access_keys(UserName="theirs")
    assert aws_error(exc.value) == ("NoSuchEntity", "The user with name theirs cannot be found.", 404)


def test_last_used_is_recorded(iam, client_for, account, alice):
    created = iam.create_access_key(UserName="alice")["AccessKey"]
    fresh = iam.get_access_key_last_used(AccessKeyId=created["AccessKeyId"])
    assert fresh["UserName"] == "alice"
    assert fresh["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}
    client_for((created["AccessKeyId"], created["SecretAccessKey"]), "sts", region="eu-west-1").get_caller_identity()
    used = iam.get_access_key_last_used(AccessKeyId=created["AccessKeyId"])["AccessKeyLastUsed"]
    assert (used["ServiceName"], used["Region"]) == ("sts", "eu-west-1") and used["LastUsedDate"]


def test_users_manage_their_own_keys_with_awss_example_policy(client_for, account, alice, bob):
    policy_services.put_inline_policy(alice, name="own-keys", document=OWN_KEYS)
    own = client_for(new_key(alice))
    created = own.create_access_key()["AccessKey"]
    assert created["UserName"] == "alice"
    listed = own.list_access_keys()["AccessKeyMetadata"]
    assert len(listed) == 2 and {key["UserName"] for key in listed} == {"alice"}
    assert own.get_access_key_last_used(AccessKeyId=created["AccessKeyId"])["UserName"] == "alice"
    own.update_access_key(AccessKeyId=created["AccessKeyId"], Status="Inactive")
    own.delete_access_key(AccessKeyId=created["AccessKeyId"])
    assert alice.access_keys.count() == 1
    # Nobody else's keys.
    bobs, _ = access_keys.create_access_key(bob)
    for action, call in (("iam:CreateAccessKey", lambda: own.create_access_key(UserName="bob")),
                         ("iam:ListAccessKeys", lambda: own.list_access_keys(UserName="bob")),
                         ("iam:DeleteAccessKey", lambda: own.delete_access_key(UserName="bob",
                                                                                AccessKeyId=bobs.access_key_id)),
                         ("iam:GetAccessKeyLastUsed",
                          lambda: own.get_access_key_last_used(AccessKeyId=bobs.access_key_id))):
        with pytest.raises(ClientError) as exc:
            call()
        assert aws_error(exc.value) == ("AccessDenied", f"User: {alice.arn} is not authorized to perform: {action} "
                                        f"on resource: {bob.arn} because no identity-based policy allows the "
                                        f"{action} action", 403)
    assert bob.access_keys.count() == 1


def test_access_key_calls_denied_by_explicit_deny_boundary_and_tags(user_client, customer_policy, account):
    services.create_user(account, user_name="admin", tags=[("team", "admins")])
    services.create_user(account, user_name="dev", tags=[("team", "devs")])
    keeper = user_client("keeper", allow("iam:*AccessKey*"), allow(
        "iam:CreateAccessKey", "*", effect="Deny", condition={"StringEquals": {"aws:ResourceTag/team": "admins"}}))
    keeper.create_access_key(UserName="dev")
    with pytest.raises(ClientError) as exc:
        keeper.create_access_key(UserName="admin")
    assert aws_error(exc.value)[1].endswith("with an explicit deny in an identity-based policy")
    bounded = user_client("bounded", allow("iam:*"), boundary=customer_policy("ListOnly", allow("iam:List*")))
    assert len(bounded.list_access_keys(UserName="dev")["AccessKeyMetadata"]) == 1
    with pytest.raises(ClientError) as exc:
        bounded.create_access_key(UserName="dev")
    assert aws_error(exc.value)[1].endswith("because no permissions boundary allows the iam:CreateAccessKey action")
    assert services.get_user(account, "admin").access_keys.count() == 0
    assert services.get_user(account, "dev").access_keys.count() == 1
