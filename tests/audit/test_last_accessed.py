"""Last accessed (access advisor): allowed calls are recorded once a minute per key, reads
included and probes (a button's check) excluded; the "Last accessed" tab of users, groups,
roles and managed policies; its authorisation; bounded queries."""

from __future__ import annotations

import pytest

from accounts import roles
from accounts import services as accounts_services
from audit import last_accessed
from audit.last_accessed import NOT_ACCESSED, ServiceAccess
from policies import services as policy_services
from tests.conftest import grant, signed_in_client

LAST_ACCESSED_ALLOW = {"Effect": "Allow", "Action": ["iam:GenerateServiceLastAccessedDetails",
                                                     "iam:GetServiceLastAccessedDetails", "iam:GetUser",
                                                     "iam:GetGroup", "iam:GetRole", "iam:GetPolicy"],
                       "Resource": "*"}


@pytest.fixture(autouse=True)
def _fresh_writes():
    last_accessed.forget_writes()
    yield
    last_accessed.forget_writes()


def test_reads_are_recorded_once_a_minute_and_button_checks_are_not(account, alice, bob):
    grant(alice, {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"})
    client = signed_in_client(alice)
    assert client.get("/iam/users/").status_code == 200
    row = ServiceAccess.objects.get(principal_arn=alice.arn, action="iam:ListUsers")
    assert (row.service, row.resource, row.region) == ("iam", account.arn("user/"), "us-east-1")
    first = row.last_authenticated
    assert client.get("/iam/users/").status_code == 200
    row.refresh_from_db()
    assert row.last_authenticated == first  # written at most once a minute
    # The Users page checks "Create user" and "Delete" for its buttons: no use of them.
    assert not ServiceAccess.objects.filter(action__in=["iam:CreateUser", "iam:DeleteUser"]).exists()
    # A denied call is no use.
    assert signed_in_client(bob).get("/iam/users/").status_code == 403
    assert not ServiceAccess.objects.filter(principal_arn=bob.arn).exists()


def test_a_nul_in_a_requested_name_is_stored_as_a_replacement_character(account, alice):
    # PostgreSQL stores no NUL in a text column: a hostile name must not turn an allowed call into a 500.
    grant(alice, {"Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy", "Resource": "*"})
    response = signed_in_client(alice).get("/iam/policies/simulator/?principal=Cash%00ier&action=iam:ListUsers")
    assert "The user with name Cash\x00ier cannot be found." in response.content.decode()
    resources = ServiceAccess.objects.filter(principal_arn=alice.arn, action="iam:SimulatePrincipalPolicy")
    assert account.arn("user/Cash\ufffdier") in resources.values_list("resource", flat=True)


def test_user_tab_lists_allowed_services_and_iam_actions(account, alice, bob):
    grant(alice, LAST_ACCESSED_ALLOW, {"Effect": "Allow", "Action": ["s3:GetObject", "iam:ListUsers"],
                                       "Resource": "*"})
    signed_in_client(alice).get("/iam/users/")
    page = signed_in_client(alice).get("/iam/users/alice/?tab=last_accessed")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Allowed services (2)" in text
    assert "Amazon S3" in text and NOT_ACCESSED in text
    assert "iam:ListUsers" in text and alice.arn in text
    assert "iam:GetServiceLastAccessedDetails" in text
    assert "Generate policy" in text


def test_tab_needs_both_actions(account, alice, bob):
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetUser", "iam:GenerateServiceLastAccessedDetails"],
                  "Resource": "*"})
    page = signed_in_client(alice).get("/iam/users/bob/?tab=last_accessed")
    assert page.status_code == 200
    assert "is not authorized to perform: iam:GetServiceLastAccessedDetails on resource: *" in page.content.decode()
    assert "Allowed services" not in page.content.decode()


def test_group_and_policy_show_the_latest_member(account, alice, bob, root):
    group = accounts_services.create_group(account, name="readers")
    accounts_services.add_user_to_group(group, alice)
    accounts_services.add_user_to_group(group, bob)
    policy = policy_services.create_policy(account, name="ListThem", document=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}'))
    policy_services.attach_policy(group, policy_arn=policy.arn)
    signed_in_client(alice).get("/iam/users/")
    last_accessed.forget_writes()
    signed_in_client(bob).get("/iam/users/")
    root_client = signed_in_client(root)
    for url in ("/iam/groups/readers/?tab=last_accessed",
                f"{policy.get_absolute_url()}?tab=last_accessed"):
        text = root_client.get(url).content.decode()
        assert "Allowed services (1)" in text, url
        assert bob.arn in text and alice.arn not in text  # bob's use is the latest
    rows = last_accessed.report(account, group)
    assert rows[0].total_entities == 2 and rows[0].entity == bob.arn


def test_role_sessions_count_for_the_role(account, alice):
    role = roles.create_role(account, name="Auditor", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.put_role_policy(role, name="read", document=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}'))
    grant(alice, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role.arn})
    client = signed_in_client(alice)
    from tests.conftest import csrf_post

    response = csrf_post(client, "/switchrole", {"account": account.account_id, "role_name": "Auditor", "colour": ""})
    assert response.status_code == 302, response.content[:300]
    assert client.get("/iam/roles/").status_code == 200
    row = ServiceAccess.objects.get(action="iam:ListRoles")
    assert row.principal_arn == role.arn
    assert last_accessed.report(account, role)[0].entity == role.arn


def test_aws_managed_policy_tab_and_bounded_queries(account, root, aws_managed_policies,
                                                   django_assert_max_num_queries):
    users = [accounts_services.create_user(account, user_name=f"u{i}") for i in range(30)]
    for user in users:
        policy_services.attach_policy(user, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        ServiceAccess.objects.create(account=account, key=user.user_name, principal_arn=user.arn, service="iam",
                                     action="iam:GetUser", resource=user.arn,
                                     last_authenticated=user.created, region="eu-west-1")
    client = signed_in_client(root)
    with django_assert_max_num_queries(25):
        page = client.get("/iam/policies/aws/IAMReadOnlyAccess/?tab=last_accessed")
    text = page.content.decode()
    assert page.status_code == 200 and "AWS Identity and Access Management" in text
    assert users[-1].arn in text and "eu-west-1" in text
