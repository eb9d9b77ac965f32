"""Second hostile review of #9's late changes: the lists' bulk deletes (accounts/views/bulk.py)
and the policy delete's implied calls. Another account's names and ARNs, odd input, CSRF,
a Deny by tag on each implied call."""

from __future__ import annotations

import html

import pytest

from accounts import roles, services
from accounts.models import Group, Role, User
from policies import services as policy_services
from policies.models import ManagedPolicy, PolicyAttachment
from tests.conftest import csrf_post, grant
from tests.policies.helpers import doc

pytestmark = pytest.mark.django_db

BULK = {
    "users": "/iam/users/delete/selected/",
    "groups": "/iam/groups/delete/selected/",
    "roles": "/iam/roles/delete/selected/",
    "policies": "/iam/policies/delete/selected/",
}
ALLOW_IAM = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def victim(mallory):
    """Mallory's account: one of each, with dependents whose names must not leak."""
    account = mallory.account
    member = services.create_user(account, user_name="victim-user")
    group = services.create_group(account, name="victim-group", users=[member])
    policy_services.put_group_policy(group, name="victim-inline", document=doc())
    role = roles.create_role(account, name="victim-role", trust_policy=roles.account_trust_policy(account.account_id))
    policy = policy_services.create_policy(account, name="victim-policy", document=doc())
    policy_services.attach_policy(member, policy_arn=policy.arn)
    return {"users": member.user_name, "groups": group.name, "roles": role.name, "policies": policy.arn}


def counts(account) -> tuple[int, ...]:
    return (User.objects.for_account(account).count(), Group.objects.filter(account=account).count(),
            Role.objects.filter(account=account).count(), ManagedPolicy.objects.filter(account=account).count(),
            PolicyAttachment.objects.filter(policy__account=account).count())


@pytest.mark.parametrize("param", BULK)
def test_another_accounts_name_or_arn_is_a_404_revealing_nothing(root_client, mallory, victim, param):
    before = counts(mallory.account)
    for response in (root_client.get(BULK[param], {param: victim[param]}),
                     csrf_post(root_client, BULK[param], {param: victim[param], "confirmation": "delete"})):
        assert response.status_code == 404, param
        page = text(response)
        for secret in ("victim-inline", "victim-user", "victim-group", mallory.account.account_id):
            if secret not in victim[param]:
                assert secret not in page, (param, secret)
    assert counts(mallory.account) == before


ODD = ["a\x00b", "é" * 200, "\u202eevil", "<script>alert(1)</script>", "x" * 5000, "",
       "arn:aws:iam::aws:policy/\x00", "arn:aws:iam::aws:policy/NoSuchPolicy", "arn:", "*", "%00"]


@pytest.mark.parametrize("param", BULK)
def test_odd_names_never_answer_5xx(root_client, account, alice, param):
    for name in ODD:
        for response in (root_client.get(BULK[param], {param: name}),
                         csrf_post(root_client, BULK[param], {param: [name], "confirmation": "delete"})):
            assert response.status_code < 500, (param, repr(name), response.status_code)
            assert "<script>alert" not in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()


@pytest.mark.parametrize("param", BULK)
def test_too_many_names_are_refused_before_any_lookup(root_client, alice, param):
    names = [f"n{i}" for i in range(990)]
    response = csrf_post(root_client, BULK[param], {param: names, "confirmation": "delete"})
    assert response.status_code == 400
    assert "Select at most 100" in text(response)
    # 10,000 fields: Django's own limit (DATA_UPLOAD_MAX_NUMBER_FIELDS), a 400 too.
    root_client.raise_request_exception = False
    response = csrf_post(root_client, BULK[param], {param: [f"n{i}" for i in range(10_000)]})
    assert response.status_code == 400


@pytest.mark.parametrize("param", ["users", "groups", "roles"])
def test_a_post_without_the_csrf_token_deletes_nothing(root_client, account, alice, param):
    services.create_group(account, name="g1")
    roles.create_role(account, name="r1", trust_policy=roles.account_trust_policy(account.account_id))
    name = {"users": "alice", "groups": "g1", "roles": "r1"}[param]
    before = counts(account)
    response = root_client.post(BULK[param], {param: [name], "confirmation": "delete"})
    assert response.status_code == 403
    assert counts(account) == before


def test_a_get_never_deletes(root_client, account, alice):
    before = counts(account)
    response = root_client.get(BULK["users"], {"users": "alice", "confirmation": "delete"})
    assert response.status_code == 200
    assert counts(account) == before


def test_a_deny_by_tag_on_delete_user_keeps_the_tagged_user(account, alice, alice_client):
    services.create_user(account, user_name="boss", tags=[("team", "admins")])
    services.create_user(account, user_name="intern")
    grant(alice, ALLOW_IAM, {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*",
                             "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}})
    response = csrf_post(alice_client, BULK["users"], {"users": ["intern", "boss"], "confirmation": "delete"})
    assert response.status_code == 403
    assert set(User.objects.for_account(account).values_list("user_name", flat=True)) >= {"boss", "intern"}


def test_a_deny_by_tag_on_detaching_from_a_tagged_user_keeps_the_policy(account, alice, alice_client):
    boss = services.create_user(account, user_name="boss", tags=[("team", "admins")])
    policy = policy_services.create_policy(account, name="p", document=doc())
    policy_services.attach_policy(boss, policy_arn=policy.arn)
    grant(alice, ALLOW_IAM, {"Effect": "Deny", "Action": "iam:DetachUserPolicy", "Resource": "*",
                             "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}})
    response = csrf_post(alice_client, BULK["policies"], {"policies": [policy.arn], "confirmation": "delete"})
    assert response.status_code == 403
    assert PolicyAttachment.objects.filter(user=boss, policy=policy).exists()


def test_a_deny_by_tag_on_delete_policy_version_keeps_a_tagged_policy(account, alice, alice_client):
    """The console's delete of a policy deletes its other versions first (DeletePolicyVersion
    on the policy): the call carries the policy's tags like the DeletePolicy after it."""
    policy = policy_services.create_policy(account, name="guarded", document=doc(), tags=[("team", "admins")])
    policy_services.create_policy_version(policy, document=doc(), set_as_default=True)
    grant(alice, ALLOW_IAM, {"Effect": "Deny", "Action": "iam:DeletePolicyVersion", "Resource": "*",
                             "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}})
    for url, data in ((BULK["policies"], {"policies": [policy.arn], "confirmation": "delete"}),
                      (f"/iam/policies/{account.account_id}/guarded/delete/", {"confirm": "guarded"})):
        response = csrf_post(alice_client, url, data)
        assert response.status_code == 403, url
        assert "iam:DeletePolicyVersion" in text(response)
        assert ManagedPolicy.objects.filter(pk=policy.pk).exists()
        assert policy.versions.count() == 2


def test_a_deny_by_tag_on_detaching_from_a_tagged_role_keeps_the_policy(account, alice, alice_client):
    role = roles.create_role(account, name="ops", trust_policy=roles.account_trust_policy(account.account_id),
                             tags=[("team", "admins")])
    policy = policy_services.create_policy(account, name="p", document=doc())
    policy_services.attach_policy(role, policy_arn=policy.arn)
    grant(alice, ALLOW_IAM, {"Effect": "Deny", "Action": "iam:DetachRolePolicy", "Resource": "*",
                             "Condition": {"StringEquals": {"iam:ResourceTag/team": "admins"}}})
    response = csrf_post(alice_client, BULK["policies"], {"policies": [policy.arn], "confirmation": "delete"})
    assert response.status_code == 403
    assert PolicyAttachment.objects.filter(role=role, policy=policy).exists()


def test_page_and_selection_params_of_huge_or_odd_values_never_5xx(root_client, alice):
    for param in BULK:
        for value in ("-1", "0", "99999999999999999999", "1e9", "\x00", "NaN"):
            response = root_client.get(BULK[param], {param: "alice", "page": value})
            assert response.status_code < 500
