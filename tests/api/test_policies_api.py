"""Managed policies over the Query API (api/actions/policies.py), with unmodified boto3:
CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, versions, tags, ListEntitiesForPolicy."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from accounts import roles, services
from policies import services as policy_services
from policies.models import InlinePolicy, ManagedPolicy, PolicyAttachment
from tests.api.conftest import allow, new_key
from tests.api.helpers import aws_error, signed_post

DOC = allow("s3:GetObject", "arn:aws:s3:::bucket/*")
DOC2 = allow("s3:PutObject", "arn:aws:s3:::bucket/*")
READONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def error(call, *args, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return aws_error(caught.value)


def denied(caller: str, action: str, resource: str, why: str = "no identity-based policy allows") -> tuple:
    tail = (f"because no identity-based policy allows the {action} action" if why.startswith("no identity")
            else f"because no permissions boundary allows the {action} action" if why == "boundary"
            else "with an explicit deny in an identity-based policy")
    return ("AccessDenied", f"User: {caller} is not authorized to perform: {action} on resource: {resource} {tail}",
            403)


def test_create_get_list_delete_policy(iam, account):
    created = iam.create_policy(PolicyName="Readers", Path="/team/", PolicyDocument=DOC, Description="Read bucket",
                                Tags=[{"Key": "team", "Value": "data"}])["Policy"]
    arn = f"arn:aws:iam::{account.account_id}:policy/team/Readers"
    assert created["Arn"] == arn and created["Path"] == "/team/" and created["DefaultVersionId"] == "v1"
    assert created["PolicyId"].startswith("ANPA") and created["AttachmentCount"] == 0
    assert created["Tags"] == [{"Key": "team", "Value": "data"}]
    saved = ManagedPolicy.objects.get(account=account, name="Readers")
    assert saved.description == "Read bucket" and saved.versions.get().document == DOC

    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["Description"] == "Read bucket" and got["IsAttachable"] is True
    assert got["PermissionsBoundaryUsageCount"] == 0 and got["Tags"] == [{"Key": "team", "Value": "data"}]
    aws = iam.get_policy(PolicyArn=READONLY)["Policy"]
    assert aws["PolicyName"] == "IAMReadOnlyAccess" and aws["Arn"] == READONLY

    local = iam.list_policies(Scope="Local")
    assert [p["PolicyName"] for p in local["Policies"]] == ["Readers"] and local["IsTruncated"] is False
    assert "Tags" not in local["Policies"][0] and "Description" not in local["Policies"][0]

    iam.delete_policy(PolicyArn=arn)
    assert not ManagedPolicy.objects.filter(account=account).exists()
    assert error(iam.get_policy, PolicyArn=arn) == ("NoSuchEntity", f"Policy {arn} was not found.", 404)


def test_create_policy_errors(iam, account, mallory):
    assert error(iam.create_policy, PolicyName="P", PolicyDocument="{bad") == (
        "MalformedPolicyDocument", "Syntax errors in policy.", 400)
    assert error(iam.create_policy, PolicyName="P", PolicyDocument=allow("s3:GetObject", []))[0] == \
        "MalformedPolicyDocument"
    assert error(iam.create_policy, PolicyName="bad name", PolicyDocument=DOC) == (
        "ValidationError", "1 validation error detected: Value 'bad name' at 'policyName' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+", 400)
    assert error(iam.create_policy, PolicyName="P", Path="nopath", PolicyDocument=DOC)[0] == "ValidationError"
    iam.create_policy(PolicyName="P", PolicyDocument=DOC)
    assert error(iam.create_policy, PolicyName="p", PolicyDocument=DOC) == (
        "EntityAlreadyExists", "A policy called p already exists. Duplicate names are not allowed.", 409)
    assert ManagedPolicy.objects.filter(account=account).count() == 1
    # Another account's policy is not found; a value that is not an ARN is InvalidInput.
    theirs = policy_services.create_policy(mallory.account, name="Theirs", document=DOC)
    assert error(iam.get_policy, PolicyArn=theirs.arn) == ("NoSuchEntity", f"Policy {theirs.arn} was not found.", 404)
    assert error(iam.delete_policy, PolicyArn=theirs.arn)[0] == "NoSuchEntity"
    assert error(iam.get_policy, PolicyArn="not-an-arn-but-long-enough") == (
        "InvalidInput", "ARN not-an-arn-but-long-enough is not valid.", 400)
    assert ManagedPolicy.objects.filter(pk=theirs.pk).exists()


def test_list_policies_filters_usage_and_paging(iam, account, alice, mallory, aws_managed_policies):
    mine = [policy_services.create_policy(account, name=f"p{i}", document=DOC, path="/app/" if i < 2 else "/")
            for i in range(5)]
    policy_services.attach_policy(alice, policy_arn=mine[0].arn)
    policy_services.attach_policy(alice, policy_arn=READONLY)
    policy_services.put_permissions_boundary(alice, policy_arn=mine[1].arn)
    # Another account's use of the same AWS managed policy is not this account's count.
    other = services.create_user(mallory.account, user_name="eve")
    policy_services.attach_policy(other, policy_arn=READONLY)

    def names(**kwargs):
        return [p["PolicyName"] for p in iam.list_policies(**kwargs)["Policies"]]

    assert names(OnlyAttached=True) == ["IAMReadOnlyAccess", "p0"]
    assert names(OnlyAttached=True, PolicyUsageFilter="PermissionsBoundary") == ["p1"]
    assert names(Scope="Local", PathPrefix="/app/") == ["p0", "p1"]
    # (OnlyAttached: the whole AWS catalogue, 1,600 policies, is more than one page.)
    assert names(Scope="AWS", OnlyAttached=True) == ["IAMReadOnlyAccess"]
    readonly = next(p for p in iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
                    if p["Arn"] == READONLY)
    default = policy_services.default_version(ManagedPolicy.objects.get(name="IAMReadOnlyAccess")).version_id
    assert readonly["AttachmentCount"] == 1 and readonly["DefaultVersionId"] == default
    assert error(iam.list_policies, Scope="Mine") == (
        "ValidationError", "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: "
        "Member must satisfy enum value set: [All, AWS, Local]", 400)

    walked, marker = [], None
    while True:
        kwargs = {"Marker": marker} if marker else {}
        result = iam.list_policies(Scope="Local", MaxItems=2, **kwargs)
        walked += [p["PolicyName"] for p in result["Policies"]]
        if not result["IsTruncated"]:
            break
        marker = result["Marker"]
    assert walked == ["p0", "p1", "p2", "p3", "p4"]
    assert error(iam.list_policies, Marker="forged")[:2] == ("ValidationError", "Invalid Marker.")


def test_list_policies_is_bounded(client, root, account, django_assert_max_num_queries):
    for i in range(60):
        policy = policy_services.create_policy(account, name=f"p{i:02}", document=DOC)
        if i % 2:
            policy_services.create_policy_version(policy, document=DOC2, set_as_default=True)
    user = services.create_user(account, user_name="alice")
    policy_services.attach_policy(user, policy_arn=ManagedPolicy.objects.get(name="p01").arn)
    key = new_key(root)
    with django_assert_max_num_queries(12):
        response = signed_post(client, key, {"Action": "ListPolicies", "Version": "2010-05-08", "Scope": "Local"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<member>") == 60 and "<DefaultVersionId>v2</DefaultVersionId>" in body


def test_policy_versions(iam, account):
    arn = iam.create_policy(PolicyName="P", PolicyDocument=DOC)["Policy"]["Arn"]
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOC2)["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is False and "Document" not in v2
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOC2, SetAsDefault=True)
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert got["Document"] == json.loads(DOC) and got["IsDefaultVersion"] is False  # boto3 decodes it
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    for _ in range(2):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOC)
    assert error(iam.create_policy_version, PolicyArn=arn, PolicyDocument=DOC) == (
        "LimitExceeded", policy_services.VERSION_LIMIT_MESSAGE, 409)
    listed = iam.list_policy_versions(PolicyArn=arn, MaxItems=3)
    assert [v["VersionId"] for v in listed["Versions"]] == ["v5", "v4", "v3"] and listed["IsTruncated"]
    rest = iam.list_policy_versions(PolicyArn=arn, Marker=listed["Marker"])["Versions"]
    assert [v["VersionId"] for v in rest] == ["v2", "v1"]

    assert error(iam.delete_policy_version, PolicyArn=arn, VersionId="v3") == (
        "DeleteConflict", "Cannot delete the default version of a policy.", 409)
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    assert sorted(v.version_id for v in ManagedPolicy.objects.get(name="P").versions.all()) == ["v1", "v2", "v4", "v5"]
    assert error(iam.get_policy_version, PolicyArn=arn, VersionId="v3") == (
        "NoSuchEntity", f"Policy {arn} version v3 does not exist or is not attachable.", 404)
    assert error(iam.get_policy_version, PolicyArn=arn, VersionId="3")[0] == "ValidationError"
    assert error(iam.create_policy_version, PolicyArn=arn, PolicyDocument="{")[:2] == (
        "MalformedPolicyDocument", "Syntax errors in policy.")
    assert error(iam.create_policy_version, PolicyArn=READONLY, PolicyDocument=DOC)[0] == "UnmodifiableEntity"


def test_delete_policy_never_cascades(iam, account, alice):
    arn = iam.create_policy(PolicyName="P", PolicyDocument=DOC)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    assert error(iam.delete_policy, PolicyArn=arn) == (
        "DeleteConflict", "Cannot delete a policy attached to entities.", 409)
    iam.detach_user_policy(UserName="alice", PolicyArn=arn)
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=arn)
    assert error(iam.delete_policy, PolicyArn=arn)[0] == "DeleteConflict"
    iam.delete_user_permissions_boundary(UserName="alice")
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOC2)
    assert error(iam.delete_policy, PolicyArn=arn) == ("DeleteConflict", policy_services.VERSIONS_MESSAGE, 409)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)
    assert not ManagedPolicy.objects.filter(account=account).exists()


def test_policy_tags(iam, account):
    arn = iam.create_policy(PolicyName="P", PolicyDocument=DOC, Tags=[{"Key": "team", "Value": "a"}])["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "TEAM", "Value": "b"}, {"Key": "env", "Value": "prod"}])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "TEAM", "Value": "b"}, {"Key": "env", "Value": "prod"}]
    paged = iam.list_policy_tags(PolicyArn=arn, MaxItems=1)
    assert paged["Tags"] == [{"Key": "TEAM", "Value": "b"}] and paged["IsTruncated"]
    iam.untag_policy(PolicyArn=arn, TagKeys=["team", "absent"])
    assert ManagedPolicy.objects.get(name="P").tags == [{"Key": "env", "Value": "prod"}]
    assert error(iam.tag_policy, PolicyArn=READONLY, Tags=[{"Key": "a", "Value": "b"}]) == (
        "InvalidInput", "Tags not supported for policies in this domain.", 400)
    assert error(iam.tag_policy, PolicyArn=arn, Tags=[{"Key": "aws:x", "Value": "b"}])[0] == "InvalidInput"
    assert error(iam.tag_policy, PolicyArn=arn, Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])[0] == \
        "ValidationError"  # 51 tags in all
    assert ManagedPolicy.objects.get(name="P").tags == [{"Key": "env", "Value": "prod"}]


def test_policy_authorisation(account, user_client, iam):
    arn = iam.create_policy(PolicyName="P", PolicyDocument=DOC, Tags=[{"Key": "team", "Value": "dev"}])["Policy"]["Arn"]
    caller = f"arn:aws:iam::{account.account_id}:user/"
    reader = user_client("reader", allow(["iam:GetPolicy", "iam:ListPolicies"]))
    assert reader.get_policy(PolicyArn=arn)["Policy"]["Arn"] == arn
    ghost = f"arn:aws:iam::{account.account_id}:policy/Ghost"
    assert error(reader.get_policy, PolicyArn=ghost)[0] == "NoSuchEntity"
    assert error(reader.delete_policy, PolicyArn=ghost) == denied(caller + "reader", "iam:DeletePolicy", ghost)
    assert error(reader.get_policy_version, PolicyArn=arn, VersionId="v1") == denied(
        caller + "reader", "iam:GetPolicyVersion", arn)
    assert error(reader.create_policy, PolicyName="Q", PolicyDocument=DOC) == denied(
        caller + "reader", "iam:CreatePolicy", f"arn:aws:iam::{account.account_id}:policy/Q")
    # An explicit deny on policies tagged team=dev (aws:ResourceTag) wins over iam:*.
    guarded = user_client("guarded", allow("iam:*"), allow("iam:DeletePolicy", "*", "Deny",
                                                            {"StringEquals": {"aws:ResourceTag/team": "dev"}}))
    assert error(guarded.delete_policy, PolicyArn=arn) == denied(
        caller + "guarded", "iam:DeletePolicy", arn, "explicit")
    # Tagging only with team=dev (aws:RequestTag), and CreatePolicy with tags needs TagPolicy too.
    tagger = user_client("tagger", allow(["iam:TagPolicy", "iam:CreatePolicy"], "*", "Allow",
                                         {"StringEquals": {"aws:RequestTag/team": "dev"}}))
    tagger.tag_policy(PolicyArn=arn, Tags=[{"Key": "team", "Value": "dev"}])
    assert error(tagger.tag_policy, PolicyArn=arn, Tags=[{"Key": "team", "Value": "ops"}])[0] == "AccessDenied"
    tagger.create_policy(PolicyName="Tagged", PolicyDocument=DOC, Tags=[{"Key": "team", "Value": "dev"}])
    assert error(tagger.create_policy, PolicyName="Untagged", PolicyDocument=DOC)[0] == "AccessDenied"
    # A boundary that does not allow the action denies it.
    bounded = user_client("bounded", allow("iam:*"), boundary=READONLY)
    assert error(bounded.create_policy_version, PolicyArn=arn, PolicyDocument=DOC2) == denied(
        caller + "bounded", "iam:CreatePolicyVersion", arn, "boundary")
    assert bounded.list_policy_versions(PolicyArn=arn)["Versions"][0]["VersionId"] == "v1"
    assert sorted(p.name for p in ManagedPolicy.objects.filter(account=account)) == ["P", "Tagged"]


def test_list_entities_for_policy(iam, account, alice, bob, mallory):
    policy = policy_services.create_policy(account, name="P", document=DOC)
    group = services.create_group(account, name="Devs", path="/eng/")
    role = roles.create_role(account, name="Worker", trust_policy=TRUST)
    for owner in (alice, group, role):
        policy_services.attach_policy(owner, policy_arn=policy.arn)
    policy_services.put_permissions_boundary(bob, policy_arn=policy.arn)
    policy_services.put_permissions_boundary(role, policy_arn=policy.arn)
    theirs = policy_services.create_policy(mallory.account, name="P", document=DOC)
    assert error(iam.list_entities_for_policy, PolicyArn=theirs.arn)[0] == "NoSuchEntity"

    everything = iam.list_entities_for_policy(PolicyArn=policy.arn)
    assert everything["PolicyGroups"] == [{"GroupName": "Devs", "GroupId": group.unique_id}]
    assert [u["UserName"] for u in everything["PolicyUsers"]] == ["alice", "bob"]
    assert everything["PolicyRoles"] == [{"RoleName": "Worker", "RoleId": role.unique_id}]
    attached = iam.list_entities_for_policy(PolicyArn=policy.arn, PolicyUsageFilter="PermissionsPolicy")
    assert [u["UserName"] for u in attached["PolicyUsers"]] == ["alice"] and attached["PolicyGroups"]
    bounds = iam.list_entities_for_policy(PolicyArn=policy.arn, PolicyUsageFilter="PermissionsBoundary")
    assert [u["UserName"] for u in bounds["PolicyUsers"]] == ["bob"] and bounds["PolicyGroups"] == []
    only_roles = iam.list_entities_for_policy(PolicyArn=policy.arn, EntityFilter="Role")
    assert only_roles["PolicyUsers"] == [] and len(only_roles["PolicyRoles"]) == 1
    assert iam.list_entities_for_policy(PolicyArn=policy.arn, PathPrefix="/eng/")["PolicyUsers"] == []

    walked, marker = [], None
    while True:
        more = {"Marker": marker} if marker else {}
        result = iam.list_entities_for_policy(PolicyArn=policy.arn, MaxItems=1, **more)
        walked += [r["GroupName"] for r in result["PolicyGroups"]] + [r["UserName"] for r in result["PolicyUsers"]]
        walked += [r["RoleName"] for r in result["PolicyRoles"]]
        if not result["IsTruncated"]:
            break
        marker = result["Marker"]
    assert walked == ["Devs", "alice", "bob", "Worker"]


def test_every_policy_action_is_authorised(account, alice, user_client, aws_managed_policies):
    """Each action of this area, refused to a user without a policy (AWS's full sentence, on the
    ARN AWS uses) and to one whose iam:* is overridden by an explicit deny; nothing changes."""
    policy = policy_services.create_policy(account, name="P", document=DOC)
    policy_services.create_policy_version(policy, document=DOC2)
    group = services.create_group(account, name="Devs")
    role = roles.create_role(account, name="Worker", trust_policy=TRUST)
    arn = policy.arn
    calls = [
        ("create_policy", {"PolicyName": "Q", "PolicyDocument": DOC}, "CreatePolicy", account.arn("policy/Q")),
        ("get_policy", {"PolicyArn": arn}, "GetPolicy", arn),
        ("list_policies", {}, "ListPolicies", "*"),
        ("delete_policy", {"PolicyArn": arn}, "DeletePolicy", arn),
        ("create_policy_version", {"PolicyArn": arn, "PolicyDocument": DOC}, "CreatePolicyVersion", arn),
        ("get_policy_version", {"PolicyArn": arn, "VersionId": "v1"}, "GetPolicyVersion", arn),
        ("list_policy_versions", {"PolicyArn": arn}, "ListPolicyVersions", arn),
        ("delete_policy_version", {"PolicyArn": arn, "VersionId": "v2"}, "DeletePolicyVersion", arn),
        ("set_default_policy_version", {"PolicyArn": arn, "VersionId": "v2"}, "SetDefaultPolicyVersion", arn),
        ("tag_policy", {"PolicyArn": arn, "Tags": [{"Key": "a", "Value": "b"}]}, "TagPolicy", arn),
        ("untag_policy", {"PolicyArn": arn, "TagKeys": ["a"]}, "UntagPolicy", arn),
        ("list_policy_tags", {"PolicyArn": arn}, "ListPolicyTags", arn),
        ("list_entities_for_policy", {"PolicyArn": arn}, "ListEntitiesForPolicy", arn),
        ("get_account_authorization_details", {}, "GetAccountAuthorizationDetails", "*"),
        ("put_user_permissions_boundary", {"UserName": "alice", "PermissionsBoundary": READONLY},
         "PutUserPermissionsBoundary", alice.arn),
        ("delete_user_permissions_boundary", {"UserName": "alice"}, "DeleteUserPermissionsBoundary", alice.arn),
        ("put_role_permissions_boundary", {"RoleName": "Worker", "PermissionsBoundary": READONLY},
         "PutRolePermissionsBoundary", role.arn),
        ("delete_role_permissions_boundary", {"RoleName": "Worker"}, "DeleteRolePermissionsBoundary", role.arn),
    ]
    for noun, owner in (("user", alice), ("group", group), ("role", role)):
        named = {f"{noun.capitalize()}Name": "alice" if noun == "user" else owner.name}
        Noun = noun.capitalize()
        calls += [
            (f"attach_{noun}_policy", {**named, "PolicyArn": READONLY}, f"Attach{Noun}Policy", owner.arn),
            (f"detach_{noun}_policy", {**named, "PolicyArn": READONLY}, f"Detach{Noun}Policy", owner.arn),
            (f"list_attached_{noun}_policies", named, f"ListAttached{Noun}Policies", owner.arn),
            (f"put_{noun}_policy", {**named, "PolicyName": "p", "PolicyDocument": DOC}, f"Put{Noun}Policy", owner.arn),
            (f"get_{noun}_policy", {**named, "PolicyName": "p"}, f"Get{Noun}Policy", owner.arn),
            (f"delete_{noun}_policy", {**named, "PolicyName": "p"}, f"Delete{Noun}Policy", owner.arn),
            (f"list_{noun}_policies", named, f"List{Noun}Policies", owner.arn),
        ]
    caller = account.arn("user/")
    nobody = user_client("nobody")
    denier = user_client("denier", allow("iam:*"), allow([f"iam:{call[2]}" for call in calls], "*", "Deny"))
    for method, kwargs, name, resource in calls:
        assert error(getattr(nobody, method), **kwargs) == denied(caller + "nobody", f"iam:{name}", resource)
        assert error(getattr(denier, method), **kwargs) == denied(
            caller + "denier", f"iam:{name}", resource, "explicit")
    assert ManagedPolicy.objects.filter(account=account).count() == 1
    assert policy_services.default_version(policy).version_id == "v1" and policy.versions.count() == 2
    assert not PolicyAttachment.objects.exists() and not InlinePolicy.objects.filter(user=alice).exists()


def test_create_policy_accepts_a_document_with_access_analyzer_errors(iam, account):
    """IAM accepts an unknown global condition key (Access Analyzer's ERROR
    INVALID_GLOBAL_CONDITION_KEY, not a MalformedPolicyDocument): so does the API."""
    document = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*",
        "Condition": {"StringEquals": {"aws:NotARealKey": "x"}}}]})
    created = iam.create_policy(PolicyName="Lenient", PolicyDocument=document)["Policy"]
    assert created["DefaultVersionId"] == "v1"
    assert ManagedPolicy.objects.get(account=account, name="Lenient").versions.get().document == document
    malformed = document.replace('"Effect": "Allow"', '"Effect": "Allowed"')
    assert error(iam.create_policy, PolicyName="Broken", PolicyDocument=malformed)[0] == "MalformedPolicyDocument"
