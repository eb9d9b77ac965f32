"""IAM groups over the Query API (boto3 against the live server): CreateGroup, GetGroup,
ListGroups, UpdateGroup, DeleteGroup, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from accounts import services
from accounts.models import Group
from policies import services as policy_services

from .conftest import allow
from .helpers import aws_error


def group_arn(account, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account.account_id}:group{path}{name}"


def test_create_get_update_and_delete_a_group(iam, account, alice):
    created = iam.create_group(GroupName="Baristas", Path="/staff/")["Group"]
    saved = services.get_group(account, "baristas")
    assert created["GroupName"] == "Baristas" and created["Path"] == "/staff/"
    assert created["Arn"] == group_arn(account, "Baristas", "/staff/") and created["GroupId"] == saved.unique_id
    iam.add_user_to_group(GroupName="Baristas", UserName="alice")
    iam.add_user_to_group(GroupName="Baristas", UserName="alice")  # idempotent
    got = iam.get_group(GroupName="Baristas")
    assert got["Group"]["GroupId"] == saved.unique_id
    assert [user["UserName"] for user in got["Users"]] == ["alice"] and got["IsTruncated"] is False
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["Baristas"]

    iam.update_group(GroupName="Baristas", NewGroupName="Brewers", NewPath="/crew/")
    saved.refresh_from_db()
    assert (saved.name, saved.path) == ("Brewers", "/crew/")
    assert iam.get_group(GroupName="Brewers")["Group"]["Arn"] == group_arn(account, "Brewers", "/crew/")

    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName="Brewers")
    assert aws_error(exc.value) == ("DeleteConflict", "Cannot delete entity, must remove users from group first.",
                                    409)
    iam.remove_user_from_group(GroupName="Brewers", UserName="alice")
    policy_services.put_inline_policy(saved, name="inline", document=allow("s3:*"))
    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName="Brewers")
    assert aws_error(exc.value) == ("DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    policy_services.delete_inline_policy(saved, name="inline")
    iam.delete_group(GroupName="Brewers")
    assert not Group.objects.filter(account=account).exists()
    assert alice.iam_groups.count() == 0


def test_group_errors_in_awss_words(iam, account, alice, mallory):
    services.create_group(account, name="Baristas")
    services.create_group(account, name="Bakers")
    with pytest.raises(ClientError) as exc:
        iam.create_group(GroupName="BARISTAS")
    assert aws_error(exc.value) == ("EntityAlreadyExists", "Group with name BARISTAS already exists.", 409)
    with pytest.raises(ClientError) as exc:
        iam.update_group(GroupName="Baristas", NewGroupName="bakers")
    assert aws_error(exc.value) == ("EntityAlreadyExists", "Group with name bakers already exists.", 409)
    with pytest.raises(ClientError) as exc:
        iam.create_group(GroupName="bad/name")
    assert aws_error(exc.value) == ("ValidationError", "1 validation error detected: Value 'bad/name' at "
                                    "'groupName' failed to satisfy constraint: Member must satisfy regular "
                                    "expression pattern: [\\w+=,.@-]+", 400)
    with pytest.raises(ClientError) as exc:
        iam.remove_user_from_group(GroupName="Baristas", UserName="alice")
    assert aws_error(exc.value) == ("NoSuchEntity", "The user with name alice cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.add_user_to_group(GroupName="Baristas", UserName="nobody")
    assert aws_error(exc.value) == ("NoSuchEntity", "The user with name nobody cannot be found.", 404)
    for index in range(9):
        services.add_user_to_group(services.create_group(account, name=f"g{index}"), alice)
    iam.add_user_to_group(GroupName="Baristas", UserName="alice")
    with pytest.raises(ClientError) as exc:
        iam.add_user_to_group(GroupName="Bakers", UserName="alice")
    assert aws_error(exc.value) == ("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10", 409)
    services.create_group(mallory.account, name="Theirs")
    for call in (lambda: iam.get_group(GroupName="Theirs"), lambda: iam.delete_group(GroupName="Theirs"),
                 lambda: iam.update_group(GroupName="Theirs", NewGroupName="Mine"),
                 lambda: iam.add_user_to_group(GroupName="Theirs", UserName="alice")):
        with pytest.raises(ClientError) as exc:
            call()
        assert aws_error(exc.value) == ("NoSuchEntity", "The group with name Theirs cannot be found.", 404)
    assert Group.objects.filter(account=mallory.account, name="Theirs").exists()


def test_groups_and_members_page(iam, account, django_assert_max_num_queries):
    users = [services.create_user(account, user_name=f"u{index:02d}") for index in range(55)]
    services.create_group(account, name="Everyone", users=users)
    for index in range(54):
        services.create_group(account, name=f"g{index:02d}", path="/teams/" if index % 2 else "/")
    with django_assert_max_num_queries(12):
        first = iam.get_group(GroupName="Everyone", MaxItems=50)
    rest = iam.get_group(GroupName="Everyone", MaxItems=50, Marker=first["Marker"])
    assert first["IsTruncated"] and not rest["IsTruncated"]
    assert [u["UserName"] for u in first["Users"] + rest["Users"]] == [f"u{index:02d}" for index in range(55)]
    with django_assert_max_num_queries(12):
        listed = iam.list_groups(MaxItems=50)
    assert listed["IsTruncated"] and len(listed["Groups"]) == 50
    everything = iam.get_paginator("list_groups").paginate(PaginationConfig={"PageSize": 20})
    assert [g["GroupName"] for page in everything for g in page["Groups"]] == \
        ["Everyone", *[f"g{index:02d}" for index in range(54)]]
    teams = iam.list_groups(PathPrefix="/teams/")["Groups"]
    assert [g["GroupName"] for g in teams] == [f"g{index:02d}" for index in range(1, 54, 2)]
    for group in Group.objects.filter(account=account, name__startswith="g").order_by("name")[:9]:
        services.add_user_to_group(group, users[0])
    first = iam.list_groups_for_user(UserName="u00", MaxItems=5)
    rest = iam.list_groups_for_user(UserName="u00", MaxItems=5, Marker=first["Marker"])
    assert first["IsTruncated"] and not rest["IsTruncated"]
    assert [g["GroupName"] for g in first["Groups"] + rest["Groups"]] == \
        ["Everyone", *[f"g{index:02d}" for index in range(9)]]


def test_group_actions_are_authorised_as_the_console_does(user_client, account, customer_policy, alice):
    services.create_group(account, name="Baristas")
    arn = group_arn(account, "Baristas")
    member = user_client("member", allow(["iam:GetGroup", "iam:AddUserToGroup"], arn))
    member.add_user_to_group(GroupName="Baristas", UserName="alice")
    assert [u["UserName"] for u in member.get_group(GroupName="Baristas")["Users"]] == ["alice"]
    with pytest.raises(ClientError) as exc:
        member.remove_user_from_group(GroupName="Baristas", UserName="alice")
    assert aws_error(exc.value) == ("AccessDenied", f"User: arn:aws:iam::{account.account_id}:user/member is not "
                                    f"authorized to perform: iam:RemoveUserFromGroup on resource: {arn} because "
                                    "no identity-based policy allows the iam:RemoveUserFromGroup action", 403)
    renamer = user_client("renamer", allow("iam:UpdateGroup", arn))
    with pytest.raises(ClientError) as exc:
        renamer.update_group(GroupName="Baristas", NewGroupName="Brewers")
    assert aws_error(exc.value)[1].endswith(
        f"iam:UpdateGroup on resource: {group_arn(account, 'Brewers')} because no identity-based policy allows "
        "the iam:UpdateGroup action")
    denier = user_client("denier", allow("iam:*"), allow("iam:DeleteGroup", "*", effect="Deny"))
    with pytest.raises(ClientError) as exc:
        denier.delete_group(GroupName="Baristas")
    assert aws_error(exc.value)[1].endswith("with an explicit deny in an identity-based policy")
    bounded = user_client("bounded", allow("iam:*"), boundary=customer_policy("ReadOnly", allow("iam:List*")))
    assert [g["GroupName"] for g in bounded.list_groups()["Groups"]] == ["Baristas"]
    with pytest.raises(ClientError) as exc:
        bounded.create_group(GroupName="Bakers")
    assert aws_error(exc.value)[1].endswith("because no permissions boundary allows the iam:CreateGroup action")
    assert list(Group.objects.filter(account=account).values_list("name", flat=True)) == ["Baristas"]
    assert list(alice.iam_groups.values_list("name", flat=True)) == ["Baristas"]
