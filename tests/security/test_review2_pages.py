"""Second hostile review of #9's late changes: the policy's Tags tab and Manage tags page, the
removal confirmations, the pickers' re-render POSTs and Console Home's Recently visited."""

from __future__ import annotations

import html

import pytest

from accounts import roles, services
from accounts.models import Group, GroupMembership
from iamportal import recent
from policies import services as policy_services
from policies.models import ManagedPolicy, PermissionsBoundary, PolicyAttachment
from tests.conftest import csrf_post, grant, signed_in_client
from tests.policies.helpers import doc

pytestmark = pytest.mark.django_db
ALLOW_IAM = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def text(response) -> str:
    return html.unescape(response.content.decode())


def deny_on_admins(action: str, key: str = "aws:ResourceTag/team") -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": "*", "Condition": {"StringEquals": {key: "admins"}}}


# ---------------------------------------------------------------------------
# The policy's Tags tab and Manage tags page


@pytest.fixture
def guarded(account):
    return policy_services.create_policy(account, name="guarded", document=doc(), tags=[("team", "admins")])


def tags_url(policy) -> str:
    return f"/iam/policies/{policy.account.account_id}/{policy.name}/tags/edit/"


def test_another_accounts_policy_tags_are_a_404(root_client, mallory):
    theirs = policy_services.create_policy(mallory.account, name="theirs", document=doc(),
                                           tags=[("secret", "s3cr3t")])
    for url in (tags_url(theirs), f"/iam/policies/{mallory.account.account_id}/theirs/?tab=tags"):
        assert root_client.get(url).status_code == 404
        response = csrf_post(root_client, url, {"key_0": "x", "value_0": "y"})
        assert response.status_code == 404 and "s3cr3t" not in text(response)
    theirs.refresh_from_db()
    assert theirs.tag_list == [{"Key": "secret", "Value": "s3cr3t"}]


def test_an_aws_managed_policy_cannot_be_tagged(root_client, aws_managed_policies):
    for response in (root_client.get("/iam/policies/aws/AmazonS3ReadOnlyAccess/tags/edit/"),
                     csrf_post(root_client, "/iam/policies/aws/AmazonS3ReadOnlyAccess/tags/edit/",
                               {"key_0": "team", "value_0": "admins"})):
        assert response.status_code == 400
        assert "Tags not supported for policies in this domain." in text(response)
    assert ManagedPolicy.objects.get(name="AmazonS3ReadOnlyAccess", account=None).tag_list in ([], None)


def test_tagging_a_policy_carries_the_request_tags(account, alice, alice_client):
    policy = policy_services.create_policy(account, name="plain", document=doc())
    grant(alice, ALLOW_IAM, deny_on_admins("iam:TagPolicy", "aws:RequestTag/team"))
    response = csrf_post(alice_client, tags_url(policy), {"key_0": "team", "value_0": "admins"})
    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.tag_list in ([], None)


def test_untagging_a_guarded_policy_carries_its_tags(alice, alice_client, guarded):
    grant(alice, ALLOW_IAM, deny_on_admins("iam:UntagPolicy"))
    response = csrf_post(alice_client, tags_url(guarded), {"key_0": "", "value_0": ""})
    assert response.status_code == 403
    guarded.refresh_from_db()
    assert guarded.tag_list == [{"Key": "team", "Value": "admins"}]


def test_a_deny_on_list_policy_tags_hides_them_everywhere(account, alice, alice_client, guarded):
    grant(alice, ALLOW_IAM, deny_on_admins("iam:ListPolicyTags"))
    assert alice_client.get(tags_url(guarded)).status_code == 403
    for tab in ("", "?tab=tags", "?tab=entities", "?tab=versions"):
        page = text(alice_client.get(f"/iam/policies/{account.account_id}/guarded/{tab}"))
        assert "admins" not in page, tab
    assert "admins" not in text(alice_client.get("/iam/policies/"))


def test_odd_tag_rows_never_5xx(root_client, guarded):
    for data in ({"key_999": "a"}, {"key_0": "a\x00", "value_0": "b"}, {"remove_tag": "x"},
                 {"remove_tag": "99999999999999999999"}, {"add_tag": "1", **{f"key_{i}": "k" for i in range(200)}},
                 {"key_0": "k" * 100_000}, {"key_²": "a"}):
        response = csrf_post(root_client, tags_url(guarded), data)
        assert response.status_code < 500, data


def test_a_tags_post_without_csrf_saves_nothing(root_client, guarded):
    response = root_client.post(tags_url(guarded), {"key_0": "team", "value_0": "x"})
    assert response.status_code == 403
    guarded.refresh_from_db()
    assert guarded.tag_list == [{"Key": "team", "Value": "admins"}]


# ---------------------------------------------------------------------------
# Confirmation pages


@pytest.fixture
def cashiers(account, bob):
    group = services.create_group(account, name="Cashiers", users=[bob])
    policy_services.put_group_policy(group, name="till-secret", document=doc())
    return group


def test_a_bulk_delete_confirmation_lists_no_dependent_the_caller_may_not_list(account, alice, alice_client,
                                                                                cashiers):
    """Only iam:DeleteGroup (and ListGroups): the page must not name the group's members or
    inline policies, which need iam:GetGroup and iam:ListGroupPolicies."""
    grant(alice, {"Effect": "Allow", "Action": ["iam:ListGroups", "iam:DeleteGroup"], "Resource": "*"})
    response = alice_client.get("/iam/groups/delete/selected/", {"groups": "Cashiers"})
    page = text(response)
    assert response.status_code == 403 and "iam:GetGroup" in page
    assert "till-secret" not in page and "bob" not in page


def test_the_policy_bulk_delete_page_lists_no_entity_the_caller_may_not_list(account, alice, alice_client, bob):
    policy = policy_services.create_policy(account, name="p", document=doc())
    policy_services.attach_policy(bob, policy_arn=policy.arn)
    grant(alice, {"Effect": "Allow", "Action": ["iam:ListPolicies", "iam:DeletePolicy"], "Resource": "*"})
    response = alice_client.get("/iam/policies/delete/selected/", {"policies": policy.arn})
    assert response.status_code == 403 and "iam:ListEntitiesForPolicy" in text(response)
    assert "bob" not in text(response)


def test_a_bulk_delete_needs_the_reads_of_what_it_removes(account, alice, alice_client, cashiers):
    grant(alice, ALLOW_IAM, {"Effect": "Deny", "Action": "iam:ListGroupPolicies", "Resource": "*"})
    response = csrf_post(alice_client, "/iam/groups/delete/selected/", {"groups": "Cashiers",
                                                                         "confirmation": "delete"})
    assert response.status_code == 403 and "iam:ListGroupPolicies" in text(response)
    assert Group.objects.filter(pk=cashiers.pk).exists()


def test_confirmations_of_another_accounts_objects_are_404(root_client, mallory, aws_managed_policies):
    theirs = mallory.account
    user = services.create_user(theirs, user_name="victim")
    group = services.create_group(theirs, name="vgroup", users=[user])
    policy = policy_services.create_policy(theirs, name="vpolicy", document=doc())
    policy_services.attach_policy(user, policy_arn=policy.arn)
    policy_services.put_permissions_boundary(user, policy_arn=S3_READ)
    aid = theirs.account_id
    for url in (f"/iam/policies/{aid}/vpolicy/entities/detach/?entity_type=user&entity_name=victim",
                f"/iam/users/victim/permissions-boundary/delete/",
                f"/iam/groups/vgroup/users/victim/remove/",
                f"/iam/users/victim/groups/vgroup/remove/"):
        response = root_client.get(url)
        assert response.status_code == 404, url
        assert "AmazonS3ReadOnlyAccess" not in text(response)
    assert PermissionsBoundary.objects.filter(user=user).exists()
    assert GroupMembership.objects.filter(group=group).exists()


def test_the_entity_detach_confirmation_of_another_accounts_entity_by_my_policy_is_404(root_client, account,
                                                                                         mallory):
    mine = policy_services.create_policy(account, name="mine", document=doc())
    services.create_user(mallory.account, user_name="victim")
    for kind in ("user", "group", "role", "bogus", ""):
        url = f"/iam/policies/{account.account_id}/mine/entities/detach/"
        assert root_client.get(url, {"entity_type": kind, "entity_name": "victim"}).status_code == 404
        response = csrf_post(root_client, url, {"entity_type": kind, "entity_name": "victim\x00"})
        assert response.status_code == 404


def test_the_entity_detach_carries_the_entitys_tags(account, alice, alice_client):
    boss = services.create_user(account, user_name="boss", tags=[("team", "admins")])
    policy = policy_services.create_policy(account, name="p", document=doc())
    policy_services.attach_policy(boss, policy_arn=policy.arn)
    grant(alice, ALLOW_IAM, deny_on_admins("iam:DetachUserPolicy"))
    url = f"/iam/policies/{account.account_id}/p/entities/detach/"
    assert alice_client.get(url, {"entity_type": "user", "entity_name": "boss"}).status_code == 403
    assert csrf_post(alice_client, url, {"entity_type": "user", "entity_name": "boss"}).status_code == 403
    assert PolicyAttachment.objects.filter(user=boss).exists()


# ---------------------------------------------------------------------------
# Pickers: a POST with the ``picker`` key only shows the form again


def test_picker_posts_save_nothing(root_client, account, alice, aws_managed_policies):
    services.create_group(account, name="Team")
    role = roles.create_role(account, name="ops", trust_policy=roles.account_trust_policy(account.account_id))
    posts = [
        ("/iam/groups/create/", {"name": "NewGroup", "picker": "policy_arns", "policy_arns": S3_READ}),
        ("/iam/groups/Team/users/add/", {"users": "alice", "picker": "users"}),
        ("/iam/users/alice/groups/add/", {"groups": "Team", "picker": "groups"}),
        ("/iam/users/alice/policies/attach/", {"policy_arns": S3_READ, "picker": "policy_arns"}),
        ("/iam/roles/ops/policies/attach/", {"policy_arns": S3_READ, "picker": "policy_arns"}),
        ("/iam/users/alice/permissions-boundary/", {"policy_arn": S3_READ, "picker": "policy_arn"}),
        ("/iam/roles/ops/permissions-boundary/", {"policy_arn": S3_READ, "picker": "policy_arn"}),
    ]
    for url, data in posts:
        response = csrf_post(root_client, url, data)
        assert response.status_code == 200, (url, response.status_code)
    assert not Group.objects.filter(name="NewGroup").exists()
    assert not GroupMembership.objects.exists()
    assert not PolicyAttachment.objects.filter(user=alice).exists()
    assert not PolicyAttachment.objects.filter(role=role).exists()
    assert not PermissionsBoundary.objects.exists()


def test_a_picker_post_opens_no_more_than_a_submission_for_a_delegate(account, alice, alice_client, bob,
                                                                       aws_managed_policies):
    """A delegate allowed AttachUserPolicy only for one policy ARN may open the page (the key is
    pending), but a picker POST naming another policy must attach nothing."""
    grant(alice, {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
                  "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}}},
          {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListPolicies"], "Resource": "*"})
    response = csrf_post(alice_client, "/iam/users/bob/policies/attach/",
                         {"policy_arns": S3_READ, "picker": "policy_arns"})
    assert response.status_code in (200, 403)
    assert not PolicyAttachment.objects.filter(user=bob).exists()


# ---------------------------------------------------------------------------
# Console Home's Recently visited


def test_recently_visited_is_bound_to_the_principal(account, alice, bob, root_client):
    grant(alice, ALLOW_IAM)
    alice_client = signed_in_client(alice)
    assert alice_client.get("/iam/users/bob/").status_code == 200
    cookie = alice_client.cookies[recent.COOKIE].value
    assert "User bob" in text(alice_client.get("/console/home/"))
    bob_client = signed_in_client(bob)
    bob_client.cookies[recent.COOKIE] = cookie
    assert "User bob" not in text(bob_client.get("/console/home/"))
    # A forged or tampered cookie is ignored, never a 500.
    for value in ("garbage", cookie[:-3] + "abc", "\x00", "{" * 10_000):
        alice_client.cookies[recent.COOKIE] = value
        assert alice_client.get("/console/home/").status_code == 200


def test_a_refused_or_missing_page_is_not_remembered(account, alice, alice_client, mallory):
    services.create_user(mallory.account, user_name="victim")
    alice_client.get("/iam/users/victim/")
    alice_client.get("/iam/users/nobody/")
    page = text(alice_client.get("/console/home/"))
    assert "victim" not in page and "nobody" not in page


def single_delete_cases(account, bob, cashiers):
    policy = policy_services.create_policy(account, name="p", document=doc())
    policy_services.attach_policy(bob, policy_arn=policy.arn)
    services.create_group(account, name="Bakers", users=[bob])
    role = roles.create_role(account, name="ops", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.put_role_policy(role, name="role-secret", document=doc())
    return [  # (url, what the caller may do, a dependent's name the page must not show, the read refused)
        ("/iam/groups/Cashiers/delete/", ["iam:DeleteGroup", "iam:ListGroups"], "till-secret", "iam:GetGroup"),
        ("/iam/users/bob/delete/", ["iam:DeleteUser", "iam:GetUser"], "Bakers", "iam:GetLoginProfile"),
        ("/iam/roles/ops/delete/", ["iam:DeleteRole", "iam:GetRole"], "role-secret", "iam:ListRolePolicies"),
        (f"/iam/policies/{account.account_id}/p/delete/", ["iam:DeletePolicy", "iam:GetPolicy"], "bob",
         "iam:ListEntitiesForPolicy"),
    ]


def test_a_delete_page_lists_no_dependent_the_caller_may_not_list(account, alice, alice_client, bob, cashiers):
    cases = single_delete_cases(account, bob, cashiers)
    grant(alice, {"Effect": "Allow", "Action": [a for _, actions, _, _ in cases for a in actions], "Resource": "*"})
    for url, _, secret, read in cases:
        response = alice_client.get(url)
        page = text(response)
        assert secret not in page, url
        assert response.status_code == 403 and read in page, url


@pytest.mark.parametrize("kind", ["user", "role"])
def test_the_boundary_removal_confirmation_names_the_boundary_only_to_a_reader(account, alice, alice_client,
                                                                                aws_managed_policies, kind):
    """The boundary's name is what GetUser/GetRole returns: a caller allowed only to remove it
    is asked to confirm without learning which policy it is."""
    if kind == "user":
        subject = services.create_user(account, user_name="boss")
    else:
        subject = roles.create_role(account, name="boss", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.put_permissions_boundary(subject, policy_arn=S3_READ)
    noun = kind.capitalize()
    grant(alice, {"Effect": "Allow", "Action": f"iam:Delete{noun}PermissionsBoundary", "Resource": "*"})
    url = f"/iam/{kind}s/boss/permissions-boundary/delete/"
    response = alice_client.get(url)
    assert response.status_code == 200
    assert "AmazonS3ReadOnlyAccess" not in text(response)
    grant(alice, {"Effect": "Allow", "Action": f"iam:Get{noun}", "Resource": "*"}, name="reader")
    assert "AmazonS3ReadOnlyAccess" in text(alice_client.get(url))
