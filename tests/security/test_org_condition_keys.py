"""The organization condition keys (review of issue #14): ``aws:PrincipalOrgID``,
``aws:PrincipalOrgPaths``, ``aws:ResourceOrgID`` and ``aws:ResourceOrgPaths`` in the request
context of console pages, Query API calls, role trust policies and the policy simulator.

Without them an Allow conditioned on ``aws:PrincipalOrgID`` failed closed and a Deny with
``StringNotEquals`` on it applied to everyone, the organization's own principals included.

The cast: ``account`` (the ``root`` fixture's) manages an organization; ``mallory``'s account
joins it and sits in the OU ``Engineering``; ``carol``'s account is in no organization.
"""

from __future__ import annotations

import json
import re
import time
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import access_keys, role_sessions, roles
from accounts import services as accounts_services
from accounts.identity import principal_identity
from organizations import services as org_services
from accounts.models import User
from organizations.models import Member
from tests.api.helpers import signed_post
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db

T0 = float(int(time.time()))
MEMBER_TABLE = Member._meta.db_table


@pytest.fixture
def org(account, mallory):
    org = org_services.create_organization(account)
    org_services.accept_handshake(org_services.invite_account(org, mallory.account), mallory.account)
    ou = org_services.create_ou(org, parent_id=org.root_id, name="Engineering")
    org_services.move_account(org, mallory.account, source_parent_id=org.root_id, destination_parent_id=ou.ou_id)
    org.engineering = ou
    return org


@pytest.fixture
def carol(db):
    return accounts_services.sign_up(email="carol@outside.example", password=ROOT_PASSWORD)


def user_with(account, name, *statements):
    user = accounts_services.create_user(account, user_name=name, console_password=USER_PASSWORD)
    grant(user, *statements)
    return user


def in_org(org) -> dict:
    return {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": org.org_id}}}


def member_queries(captured) -> int:
    """Queries that read memberships themselves (not the signed-in user's LEFT JOIN)."""
    return sum(f'FROM "{MEMBER_TABLE}"' in query["sql"] for query in captured.captured_queries)


def fresh(user):
    """``user`` as a request loads it (not the fixture's objects, whose membership is cached)."""
    return User.objects.get(pk=user.pk)


# ---------------------------------------------------------------------------
# Console pages


def test_an_allow_on_the_organization_id_lets_its_members_in_and_nobody_else(org, mallory, carol):
    dev = user_with(mallory.account, "dev", in_org(org))
    outsider = user_with(carol.account, "dev", in_org(org))
    assert signed_in_client(dev).get("/iam/users/").status_code == 200
    refused = signed_in_client(outsider).get("/iam/users/")
    assert refused.status_code == 403
    assert "because no identity-based policy allows the iam:ListUsers action" in refused.content.decode()


def test_a_deny_outside_the_organization_spares_its_members_the_management_account_included(
        org, account, mallory, carol):
    statements = ({"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
                  {"Effect": "Deny", "Action": "*", "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": org.org_id}}})
    assert signed_in_client(user_with(account, "ops", *statements)).get("/iam/users/").status_code == 200
    assert signed_in_client(user_with(mallory.account, "dev", *statements)).get("/iam/users/").status_code == 200
    refused = signed_in_client(user_with(carol.account, "dev", *statements)).get("/iam/users/")
    assert refused.status_code == 403 and "with an explicit deny in an identity-based policy" in \
        refused.content.decode()


def test_the_org_paths_name_the_ous_down_to_the_account(org, mallory, account):
    path = f"{org.org_id}/{org.root_id}/{org.engineering.ou_id}/"
    only_engineering = {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                        "Condition": {"ForAnyValue:StringLike": {
                            "aws:PrincipalOrgPaths": [f"{org.org_id}/{org.root_id}/{org.engineering.ou_id}/*"]}}}
    dev = user_with(mallory.account, "dev", only_engineering)
    client = signed_in_client(dev)
    assert client.get("/iam/users/").status_code == 200
    identity = principal_identity(fresh(dev), {})
    from policies.authz import with_org_keys

    with_org_keys(identity)
    assert identity.context["aws:PrincipalOrgID"] == org.org_id
    assert identity.context["aws:PrincipalOrgPaths"] == [path]
    # Back under the root: the path is the root's, and the Allow no longer matches.
    org_services.move_account(org, mallory.account, source_parent_id=org.engineering.ou_id,
                              destination_parent_id=org.root_id)
    assert client.get("/iam/users/").status_code == 403
    # The management account sits under the root.
    ops = user_with(account, "ops", {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*", "Condition": {
        "StringEquals": {"aws:PrincipalOrgPaths": f"{org.org_id}/{org.root_id}/"}}})
    assert signed_in_client(ops).get("/iam/users/").status_code == 200


def test_a_resource_of_the_callers_account_has_the_resource_org_keys(org, mallory, carol):
    statement = {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:ResourceOrgID": org.org_id}}}
    paths = {"Effect": "Allow", "Action": "iam:ListUserTags", "Resource": "*",
             "Condition": {"StringLike": {"aws:ResourceOrgPaths": f"{org.org_id}/*/{org.engineering.ou_id}/"}}}
    dev = user_with(mallory.account, "dev", statement, paths, {"Effect": "Allow", "Action": "iam:ListUsers",
                                                               "Resource": "*"})
    client = signed_in_client(dev)
    assert client.get("/iam/users/dev/").status_code == 200
    from policies.authz import authorize

    request = mock.Mock(iam=principal_identity(fresh(dev), {}))
    with mock.patch("policies.authz._allowed", side_effect=lambda *a, **k: True):
        assert authorize(request, "iam:ListUserTags", dev.arn)
        # A resource whose ARN names no account (or another one) has none.
        assert not authorize(request, "iam:GetUser", "arn:aws:iam::123456789012:user/x")
    outsider = user_with(carol.account, "dev", statement, {"Effect": "Allow", "Action": "iam:ListUsers",
                                                           "Resource": "*"})
    assert signed_in_client(outsider).get("/iam/users/dev/").status_code == 403


def test_the_keys_cost_no_query_outside_an_organization_and_reuse_the_scp_chains(
        org, account, mallory, carol, django_assert_max_num_queries):
    """Outside an organization, and for the management account at the root, nothing reads the
    membership again (it came with the signed-in user): the page costs the same queries; a
    member account's is read once, by the query that reads its SCP chain, which costs two."""
    may_list = {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}
    outsider = signed_in_client(user_with(carol.account, "dev", may_list))
    ops = signed_in_client(user_with(account, "ops", may_list))
    dev = signed_in_client(user_with(mallory.account, "dev", may_list))
    counts = {}
    for name, client, reads in (("outsider", outsider, 0), ("management", ops, 0), ("member", dev, 1)):
        client.get("/iam/users/")  # the session settles (last-used stamps and the like)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/iam/users/").status_code == 200
        assert member_queries(captured) == reads, name
        counts[name] = len(captured.captured_queries)
    assert counts["management"] == counts["outsider"]
    with django_assert_max_num_queries(counts["outsider"] + 2):  # the SCP chain's two queries
        assert dev.get("/iam/users/").status_code == 200


def test_where_the_placement_comes_from(org, account, mallory, django_assert_num_queries):
    """``org_placement``: from the membership loaded with the principal (an account at the root),
    from the SCP chain's query (a member account), else one query of its own."""
    from policies.authz import account_scps, org_placement

    def signed_in(user):  # as accounts.backends loads the signed-in user
        user = User.objects.select_related("account__org_member__org").get(pk=user.pk)
        return principal_identity(user, {})

    may_list = {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}
    ops = signed_in(user_with(account, "ops", may_list))
    with django_assert_num_queries(0):
        assert org_placement(ops).path == f"{org.org_id}/{org.root_id}/"
    dev = signed_in(user_with(mallory.account, "dev", may_list))
    with django_assert_num_queries(2):
        account_scps(dev)
    with django_assert_num_queries(0):
        assert org_placement(dev).path == f"{org.org_id}/{org.root_id}/{org.engineering.ou_id}/"
    # The management account in an OU: one query (SCPs never apply to it, so no chain is read).
    org_services.move_account(org, account, source_parent_id=org.root_id,
                              destination_parent_id=org.engineering.ou_id)
    ops = signed_in(User.objects.get(account=account, user_name="ops"))
    with django_assert_num_queries(1):
        assert org_placement(ops).path == f"{org.org_id}/{org.root_id}/{org.engineering.ou_id}/"


# ---------------------------------------------------------------------------
# Query API


def list_users(key):
    return signed_post(Client(), key, {"Action": "ListUsers", "Version": "2010-05-08"})


def test_the_query_api_has_the_keys(org, mallory, carol):
    dev = user_with(mallory.account, "dev", in_org(org))
    key, secret = access_keys.create_access_key(dev)
    list_users((key.access_key_id, secret))
    with CaptureQueriesContext(connection) as captured:
        assert list_users((key.access_key_id, secret)).status_code == 200
    assert member_queries(captured) == 1  # the SCP chain's
    outsider = user_with(carol.account, "dev", in_org(org))
    key, secret = access_keys.create_access_key(outsider)
    list_users((key.access_key_id, secret))
    with CaptureQueriesContext(connection) as captured:
        refused = list_users((key.access_key_id, secret))
    assert refused.status_code == 403 and b"AccessDenied" in refused.content
    assert member_queries(captured) == 0


# ---------------------------------------------------------------------------
# Role trust policies: cross-account within the organization, the real use


def trusting_the_organization(org) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": org.org_id}}}]})


def switch(client, account_id, role_name):
    with mock.patch.object(role_sessions, "now", return_value=T0):
        return csrf_post(client, "/switchrole", {"account": account_id, "role_name": role_name})


def test_a_role_trusting_the_organization_admits_its_members_only(org, account, mallory, carol):
    roles.create_role(account, name="Shared", trust_policy=trusting_the_organization(org))
    may_assume = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    dev = user_with(mallory.account, "dev", may_assume)
    outsider = user_with(carol.account, "dev", may_assume)
    # The console's Switch Role.
    assert switch(signed_in_client(dev), account.account_id, "Shared").status_code == 302
    refused = switch(signed_in_client(outsider), account.account_id, "Shared")
    assert refused.status_code == 403
    assert (f"User: {outsider.arn} is not authorized to perform: sts:AssumeRole on resource: "
            f"arn:aws:iam::{account.account_id}:role/Shared") in refused.content.decode()
    shared = roles.Role.objects.get(account=account, name="Shared")
    assert not roles.check_assume(principal_identity(fresh(outsider), {}), shared).allowed
    # STS AssumeRole over the Query API.
    role_arn = f"arn:aws:iam::{account.account_id}:role/Shared"
    for user, status in ((dev, 200), (outsider, 403)):
        key, secret = access_keys.create_access_key(user)
        response = signed_post(Client(), (key.access_key_id, secret), {
            "Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": role_arn, "RoleSessionName": "s1"},
            service="sts")
        assert response.status_code == status, response.content[:400]


def test_a_member_accounts_role_trusting_the_management_accounts_paths(org, account, mallory):
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": account.root_arn}, "Action": "sts:AssumeRole",
        "Condition": {"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": [f"{org.org_id}/{org.root_id}/"]}}}]})
    role = roles.create_role(mallory.account, name="Audit", trust_policy=trust)
    ops = user_with(account, "ops", {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    assert roles.check_assume(principal_identity(ops, {}), role).allowed
    assert switch(signed_in_client(ops), mallory.account.account_id, "Audit").status_code == 302


def test_a_principal_that_leaves_the_organization_loses_the_keys(org, mallory):
    roles_trust = trusting_the_organization(org)
    role = roles.create_role(org.management_account, name="Shared", trust_policy=roles_trust)
    dev = user_with(mallory.account, "dev", {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    assert roles.check_assume(principal_identity(dev, {}), role).allowed
    org_services.remove_account(org, mallory.account)
    # A context copied from a principal still in the organization does not keep them either.
    identity = principal_identity(fresh(dev), {"aws:PrincipalOrgID": org.org_id, "aws:PrincipalOrgPaths": ["x/"]})
    check = roles.check_assume(identity, role)
    assert not check.allowed
    assert "aws:PrincipalOrgID" not in identity.context


# ---------------------------------------------------------------------------
# The policy simulator


def simulate(client, **params):
    """GET the simulator with ``params`` (lists become repeated parameters)."""
    pairs = [(key, item) for key, value in params.items() for item in (value if isinstance(value, list) else [value])]
    return client.get(f"/iam/policies/simulator/?{urlencode(pairs)}")


def test_the_simulator_shows_and_accepts_the_organization_keys(org, mallory):
    dev = user_with(mallory.account, "dev", in_org(org), {
        "Effect": "Allow", "Action": "iam:GetUser", "Resource": "*",
        "Condition": {"StringLike": {"aws:PrincipalOrgPaths": f"{org.org_id}/*/{org.engineering.ou_id}/"}}})
    client = signed_in_client(mallory)  # the member account's root user simulates its user
    response = simulate(client, principal="dev", action=["iam:ListUsers", "iam:GetUser"])
    assert response.status_code == 200
    simulation = response.context["simulation"]
    keys = {k.key: k for k in simulation.context_keys}
    assert keys["aws:PrincipalOrgID"].value == org.org_id and keys["aws:PrincipalOrgID"].defaulted
    path = f"{org.org_id}/{org.root_id}/{org.engineering.ou_id}/"
    assert keys["aws:PrincipalOrgPaths"].value == path and keys["aws:PrincipalOrgPaths"].multivalued
    html = response.content.decode()
    assert 'name="context.aws:PrincipalOrgID"' in html and f'value="{org.org_id}"' in html
    assert {(r.action, r.decision.decision) for r in simulation.results} == {
        ("iam:ListUsers", "allowed"), ("iam:GetUser", "allowed")}
    # Given values win: another organization's id, and a path elsewhere.
    other = simulate(client, principal="dev", action=["iam:ListUsers", "iam:GetUser"],
                     **{"context.aws:PrincipalOrgID": "o-exampleorgid",
                        "context.aws:PrincipalOrgPaths": f"{org.org_id}/{org.root_id}/"})
    assert {(r.action, r.decision.decision) for r in other.context["simulation"].results} == {
        ("iam:ListUsers", "implicitDeny"), ("iam:GetUser", "implicitDeny")}


def test_the_simulator_outside_an_organization_has_no_organization_keys(carol):
    user_with(carol.account, "dev", {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                                     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}})
    response = simulate(signed_in_client(carol), principal="dev", action="iam:ListUsers")
    keys = {k.key: k for k in response.context["simulation"].context_keys}
    assert keys["aws:PrincipalOrgID"].value == "" and not keys["aws:PrincipalOrgID"].defaulted
    result = response.context["simulation"].results[0]
    assert result.decision.decision == "implicitDeny" and "aws:PrincipalOrgID" in result.decision.missing_context


def test_a_data_perimeter_on_the_resource_organization_admits_roles_of_the_organization_only(
        org, account, mallory, carol):
    """An SCP denying sts:AssumeRole outside the organization's resources (StringNotEquals on
    aws:ResourceOrgID): a role of another member account (the management account's) may be
    assumed, a role of an account outside the organization may not."""
    perimeter = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:ResourceOrgID": org.org_id}}}]})
    scp = org_services.create_policy(org, name="Perimeter", description="", document=perimeter)
    org_services.attach_policy(scp, mallory.account.account_id)
    anyone_in = {"Effect": "Allow", "Principal": {"AWS": mallory.account.root_arn}, "Action": "sts:AssumeRole"}
    trust = json.dumps({"Version": "2012-10-17", "Statement": [anyone_in]})
    inside = roles.create_role(account, name="Inside", trust_policy=trust)
    outside = roles.create_role(carol.account, name="Outside", trust_policy=trust)
    dev = user_with(mallory.account, "dev", {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    identity = principal_identity(fresh(dev), {})
    assert roles.check_assume(identity, inside).allowed
    refused = roles.check_assume(principal_identity(fresh(dev), {}), outside)
    assert not refused.allowed
    assert refused.decision.decision == "explicitDeny"
