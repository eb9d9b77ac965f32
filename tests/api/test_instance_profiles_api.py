"""Instance profiles over the Query API (boto3 against the live server): CreateInstanceProfile,
GetInstanceProfile, ListInstanceProfiles, ListInstanceProfilesForRole, DeleteInstanceProfile,
AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile, TagInstanceProfile,
UntagInstanceProfile, ListInstanceProfileTags."""

from __future__ import annotations

import pytest

from accounts import instance_profiles
from accounts.models import InstanceProfile

from .conftest import allow, new_key
from .helpers import signed_post
from .test_roles_api import TRUST, denied, error, make

pytestmark = pytest.mark.django_db(transaction=True)


def profile_arn(account, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account.account_id}:instance-profile{path}{name}"


def test_create_get_list_and_delete_an_instance_profile(iam, account):
    created = iam.create_instance_profile(InstanceProfileName="web", Path="/app/",
                                          Tags=[{"Key": "team", "Value": "web"}])["InstanceProfile"]
    saved = instance_profiles.get_instance_profile(account, "WEB")
    assert created["InstanceProfileName"] == "web" and created["InstanceProfileId"] == saved.unique_id
    assert created["Arn"] == profile_arn(account, "web", "/app/") and created["Roles"] == []
    assert created["Tags"] == [{"Key": "team", "Value": "web"}] == saved.tags
    role = make(account, "Web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="Web")
    got = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["Web"] and got["Roles"][0]["Arn"] == role.arn
    assert got["Roles"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    listed = iam.list_instance_profiles()["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in listed] == ["web"] and "Tags" not in listed[0]
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName="web")[
        "InstanceProfiles"]] == ["web"]
    assert error(iam.delete_instance_profile, InstanceProfileName="web") == (
        "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409)
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="Web")
    assert InstanceProfile.objects.get(pk=saved.pk).role is None
    assert iam.list_instance_profiles_for_role(RoleName="Web")["InstanceProfiles"] == []
    iam.delete_instance_profile(InstanceProfileName="web")
    assert not InstanceProfile.objects.exists()
    assert error(iam.get_instance_profile, InstanceProfileName="web") == (
        "NoSuchEntity", "Instance Profile web cannot be found.", 404)


def test_instance_profile_errors_in_awss_words(iam, account, mallory):
    make(account, "Web")
    make(account, "Api")
    iam.create_instance_profile(InstanceProfileName="web")
    assert error(iam.create_instance_profile, InstanceProfileName="WEB") == (
        "EntityAlreadyExists", "Instance Profile WEB already exists.", 409)
    assert error(iam.create_instance_profile, InstanceProfileName="bad name") == (
        "ValidationError", "1 validation error detected: Value 'bad name' at 'instanceProfileName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", 400)
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="Web")
    assert error(iam.add_role_to_instance_profile, InstanceProfileName="web", RoleName="Api") == (
        "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409)
    assert error(iam.remove_role_from_instance_profile, InstanceProfileName="web", RoleName="Api")[0] == (
        "NoSuchEntity")
    assert error(iam.add_role_to_instance_profile, InstanceProfileName="web", RoleName="Nope") == (
        "NoSuchEntity", "The role with name Nope cannot be found.", 404)
    instance_profiles.create_instance_profile(mallory.account, name="theirs")
    assert error(iam.get_instance_profile, InstanceProfileName="theirs") == (
        "NoSuchEntity", "Instance Profile theirs cannot be found.", 404)
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]] == ["web"]
    assert InstanceProfile.objects.get(name="web").role.name == "Web"


def test_list_instance_profiles_pages_within_a_path(iam, account):
    for index in range(5):
        instance_profiles.create_instance_profile(account, name=f"p{index}", path="/ops/" if index % 2 else "/")
    first = iam.list_instance_profiles(MaxItems=2)
    assert first["IsTruncated"] is True and [p["InstanceProfileName"] for p in first["InstanceProfiles"]] == [
        "p0", "p1"]
    walked = [p["InstanceProfileName"] for page in iam.get_paginator("list_instance_profiles").paginate(
        PaginationConfig={"PageSize": 2}) for p in page["InstanceProfiles"]]
    assert walked == [f"p{index}" for index in range(5)]
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles(PathPrefix="/ops/")[
        "InstanceProfiles"]] == ["p1", "p3"]


def test_list_instance_profiles_is_bounded(client, root, account, django_assert_max_num_queries):
    for index in range(60):
        profile = instance_profiles.create_instance_profile(account, name=f"p{index:02}")
        instance_profiles.add_role(profile, make(account, f"r{index:02}"))
    key = new_key(root)
    with django_assert_max_num_queries(12):
        response = signed_post(client, key, {"Action": "ListInstanceProfiles", "Version": "2010-05-08"})
    body = response.content.decode()
    assert response.status_code == 200 and body.count("<InstanceProfileName>") == 60 and body.count("<RoleName>") == 60


def test_add_role_needs_pass_role_and_profile_tags_decide(user_client, account, aws_managed_policies):
    role = make(account, "Web", tags=[("team", "web")])
    instance_profiles.create_instance_profile(account, name="web", tags=[("team", "web")])
    instance_profiles.create_instance_profile(account, name="ops", tags=[("team", "ops")])
    web_profiles = {"StringEquals": {"aws:ResourceTag/team": "web"}}
    adder = user_client("adder", allow("iam:AddRoleToInstanceProfile", condition=web_profiles))
    assert error(adder.add_role_to_instance_profile, InstanceProfileName="web", RoleName="Web") == denied(
        account, "adder", "iam:PassRole", role.arn)
    passer = user_client("passer", allow(["iam:AddRoleToInstanceProfile", "iam:PassRole"], condition=web_profiles))
    assert error(passer.add_role_to_instance_profile, InstanceProfileName="ops", RoleName="Web") == denied(
        account, "passer", "iam:AddRoleToInstanceProfile", profile_arn(account, "ops"))
    passer.add_role_to_instance_profile(InstanceProfileName="web", RoleName="Web")
    assert InstanceProfile.objects.get(name="web").role == role
    boxed = user_client("boxed", allow("iam:*"), boundary="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert error(boxed.remove_role_from_instance_profile, InstanceProfileName="web", RoleName="Web") == denied(
        account, "boxed", "iam:RemoveRoleFromInstanceProfile", profile_arn(account, "web"),
        "because no permissions boundary allows the iam:RemoveRoleFromInstanceProfile action")
    denier = user_client("denier", allow("iam:*"), allow("iam:DeleteInstanceProfile", effect="Deny"))
    assert error(denier.delete_instance_profile, InstanceProfileName="ops") == denied(
        account, "denier", "iam:DeleteInstanceProfile", profile_arn(account, "ops"),
        "with an explicit deny in an identity-based policy")
    reader = user_client("reader", allow("iam:GetInstanceProfile", condition=web_profiles))
    assert reader.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"][0]["RoleName"] == "Web"
    assert error(reader.get_instance_profile, InstanceProfileName="ops") == denied(
        account, "reader", "iam:GetInstanceProfile", profile_arn(account, "ops"))
    creator = user_client("creator", allow("iam:CreateInstanceProfile"))
    assert error(creator.create_instance_profile, InstanceProfileName="new", Tags=[{"Key": "a", "Value": "b"}]) == (
        denied(account, "creator", "iam:TagInstanceProfile", profile_arn(account, "new")))
    assert set(InstanceProfile.objects.values_list("name", flat=True)) == {"web", "ops"}


def test_tag_untag_and_list_instance_profile_tags(iam, user_client, account):
    profile = instance_profiles.create_instance_profile(account, name="web", tags=[("team", "web")])
    iam.tag_instance_profile(InstanceProfileName="web", Tags=[{"Key": "Team", "Value": "ops"},
                                                             {"Key": "tier", "Value": "1"}])
    assert InstanceProfile.objects.get(pk=profile.pk).tags == [{"Key": "Team", "Value": "ops"},
                                                               {"Key": "tier", "Value": "1"}]
    first = iam.list_instance_profile_tags(InstanceProfileName="web", MaxItems=1)
    assert first["Tags"] == [{"Key": "Team", "Value": "ops"}] and first["IsTruncated"] is True
    assert iam.list_instance_profile_tags(InstanceProfileName="web", Marker=first["Marker"])["Tags"] == [
        {"Key": "tier", "Value": "1"}]
    iam.untag_instance_profile(InstanceProfileName="web", TagKeys=["TIER"])
    assert InstanceProfile.objects.get(pk=profile.pk).tags == [{"Key": "Team", "Value": "ops"}]
    assert error(iam.tag_instance_profile, InstanceProfileName="web", Tags=[{"Key": "aws:x", "Value": "1"}])[:2] == (
        "InvalidInput", "Tag keys starting with 'aws:' are reserved for internal use.")
    tagger = user_client("tagger", allow(["iam:TagInstanceProfile", "iam:UntagInstanceProfile",
                                          "iam:ListInstanceProfileTags"], condition={
        "StringEquals": {"aws:ResourceTag/Team": "web"}}))
    arn = profile_arn(account, "web")
    assert error(tagger.tag_instance_profile, InstanceProfileName="web", Tags=[{"Key": "a", "Value": "b"}]) == (
        denied(account, "tagger", "iam:TagInstanceProfile", arn))
    assert error(tagger.untag_instance_profile, InstanceProfileName="web", TagKeys=["Team"]) == denied(
        account, "tagger", "iam:UntagInstanceProfile", arn)
    assert error(tagger.list_instance_profile_tags, InstanceProfileName="web") == denied(
        account, "tagger", "iam:ListInstanceProfileTags", arn)
    assert error(iam.list_instance_profile_tags, InstanceProfileName="nope")[0] == "NoSuchEntity"

