"""The policy simulator (``/iam/policies/simulator/``): it runs the engine on exactly the
policies the console uses, lists the context keys and which are missing, highlights the
deciding statements, and is itself governed by iam:SimulatePrincipalPolicy /
iam:SimulateCustomPolicy. The AccessDenied page links to it prefilled."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from accounts import services as accounts_services
from accounts.identity import Identity
from policies import services as policy_services
from policies.engine import Request, evaluate
from policies.loading import load_policy_set
from tests.conftest import attach_aws_policy, csrf_post, grant, signed_in_client

from .helpers import doc

pytestmark = pytest.mark.django_db

URL = "/iam/policies/simulator/"


def simulate(client, **params):
    """GET the simulator with ``params`` (lists become repeated parameters)."""
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, item))
    return client.get(f"{URL}?{urlencode(pairs)}")


def rows(response):
    return response.context["simulation"].results


def decisions(response) -> dict[tuple[str, str], str]:
    return {(r.action, r.resource): r.decision.decision for r in rows(response)}


def engine_decision(user, action, resource, context):
    """What the engine says for the same input, computed here without the simulator."""
    identity = Identity(user=user, account=user.account, arn=user.arn, principal_type="User", context={})
    policy_set = load_policy_set(identity)
    return evaluate(Request(action=action, resource=resource, principal=user.arn, context=context),
                    identity=policy_set.identity, boundary=policy_set.boundary, session=policy_set.session)


# ---------------------------------------------------------------------------
# Same answers as the engine


SCENARIOS = {
    "allow": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}],
    "explicit-deny": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
                      {"Sid": "NoUsers", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}],
    "not-action": [{"Effect": "Allow", "NotAction": ["iam:Create*", "iam:Delete*"], "Resource": "*"}],
    "self-service": [{"Effect": "Allow", "Action": "iam:*LoginProfile",
                      "Resource": "arn:aws:iam::*:user/${aws:username}"}],
    "source-ip": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*",
                   "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}],
    "mfa": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:Delete*", "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}],
}
ACTIONS = ["iam:ListUsers", "iam:CreateUser", "iam:DeleteUser", "iam:GetLoginProfile", "s3:ListBucket"]
CONTEXTS = [{}, {"aws:SourceIp": "203.0.113.9", "aws:MultiFactorAuthPresent": "true"},
            {"aws:SourceIp": "198.51.100.1", "aws:MultiFactorAuthPresent": "false"}]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_results_equal_the_engine_for_the_same_input(scenario, root_client, alice, bob):
    grant(alice, *SCENARIOS[scenario])
    resources = ["*", alice.arn, bob.arn]
    for context in CONTEXTS:
        params = {"principal": "alice", "action": ACTIONS, "resource": resources}
        params.update({f"context.{k}": v for k, v in context.items()})
        response = simulate(root_client, **params)
        assert response.status_code == 200
        simulation = response.context["simulation"]
        assert len(simulation.results) == len(ACTIONS) * len(resources)
        for result in simulation.results:
            # The simulator fills aws:username & co. from the principal; the rest is what was given.
            expected_context = dict(simulation.context)
            for key, value in context.items():
                if any(k.key.lower() == key.lower() for k in simulation.context_keys):
                    assert expected_context[key] == value
            expected = engine_decision(alice, result.action, result.resource, expected_context)
            assert result.decision.decision == expected.decision, (result.action, result.resource, context)
            assert result.decision.matched == expected.matched
            assert result.decision.missing_context == expected.missing_context


def test_a_user_is_simulated_with_its_groups_and_boundary(root_client, account, alice, aws_managed_policies):
    group = accounts_services.create_group(account, name="Admins", users=[alice])
    attach_aws_policy(group, "AdministratorAccess")
    boundary = policy_services.create_policy(account, name="OnlyIAMRead", document=doc(
        {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}))
    policy_services.put_user_permissions_boundary(alice, policy_arn=boundary.arn)

    response = simulate(root_client, principal="alice", action=["iam:ListUsers", "iam:CreateUser"])
    simulation = response.context["simulation"]
    names = [(p.name, p.source) for p in simulation.policies]
    assert names == [("AdministratorAccess", "Identity-based policy"), ("OnlyIAMRead", "Permissions boundary")]
    assert decisions(response) == {("iam:ListUsers", "*"): "allowed", ("iam:CreateUser", "*"): "implicitDeny"}
    denied = rows(response)[1]
    assert denied.reason == "because no permissions boundary allows the iam:CreateUser action"
    # The identity statement applied without deciding: the page says so.
    assert [row.statement.policy for row in denied.applied] == ["AdministratorAccess"]
    assert "because no permissions boundary allows the iam:CreateUser action" in response.content.decode()


def test_a_group_is_simulated_with_its_own_policies(root_client, account, alice):
    group = accounts_services.create_group(account, name="Cashiers")
    policy_services.put_group_policy(group, name="Receipts", document=doc())
    grant(alice, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})  # not the group's

    response = simulate(root_client, group="Cashiers", action=["s3:ListBucket", "s3:GetObject"],
                        resource="arn:aws:s3:::receipts")
    assert [p.name for p in response.context["simulation"].policies] == ["inline:Cashiers/Receipts"]
    assert decisions(response) == {("s3:ListBucket", "arn:aws:s3:::receipts"): "allowed",
                                   ("s3:GetObject", "arn:aws:s3:::receipts"): "implicitDeny"}
    assert response.context["simulation"].principal_arn == group.arn


def test_a_role_is_simulated_with_its_own_policies(root_client, account):
    from accounts import roles
    role = roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.put_role_policy(role, name="Receipts", document=doc())

    response = simulate(root_client, role="Cashier", action="s3:ListBucket", resource="arn:aws:s3:::receipts")
    assert response.status_code == 200
    assert [p.name for p in response.context["simulation"].policies] == ["inline:Receipts"]
    assert decisions(response) == {("s3:ListBucket", "arn:aws:s3:::receipts"): "allowed"}
    assert response.context["simulation"].principal_arn == role.arn


# ---------------------------------------------------------------------------
# Custom policies


def test_custom_policies_are_simulated_on_their_own(root_client):
    policy = doc({"Sid": "ReadReceipts", "Effect": "Allow", "Action": "s3:GetObject",
                  "Resource": "arn:aws:s3:::receipts/*"})
    response = csrf_post(root_client, URL, {"principal": "", "policy": [policy, ""],
                                            "action": ["s3:GetObject", "s3:PutObject"],
                                            "resource": "arn:aws:s3:::receipts/2026/01.csv"})
    assert response.status_code == 200
    result = decisions(response)
    assert result == {("s3:GetObject", "arn:aws:s3:::receipts/2026/01.csv"): "allowed",
                      ("s3:PutObject", "arn:aws:s3:::receipts/2026/01.csv"): "implicitDeny"}
    allowed = rows(response)[0]
    assert [(m.statement.policy, m.statement.sid) for m in allowed.matched] == [("Custom policy 1", "ReadReceipts")]
    # The statement's lines are highlighted, in the row and in the full text.
    statement_lines = [line for line in allowed.matched[0].lines if line.mark == "allow"]
    span = allowed.matched[0].statement.span
    assert [line.number for line in statement_lines] == list(range(span.start_line, span.end_line + 1))
    html = response.content.decode()
    assert 'class="hit-allow"' in html and 'id="policy-1-L1"' in html


def test_custom_policies_add_to_the_principals(root_client, alice):
    grant(alice, {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"})
    extra = doc({"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"})
    response = csrf_post(root_client, URL, {"principal": "alice", "policy": extra, "action": "iam:ListUsers"})
    assert decisions(response) == {("iam:ListUsers", "*"): "explicitDeny"}
    assert [m.statement.policy for m in rows(response)[0].matched] == ["Custom policy 1"]


def test_a_malformed_custom_policy_is_shown_with_its_line_and_column(root_client):
    broken = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]\n}'
    response = csrf_post(root_client, URL, {"principal": "", "policy": broken, "action": "s3:GetObject"})
    assert response.status_code == 200  # the form again, with its errors
    html = response.content.decode()
    assert "Custom policy 1, line 3, column" in html
    assert "Ln 3, Col" in html
    assert response.context["simulation"] is None


def test_nothing_to_simulate_is_explained(root_client):
    response = simulate(root_client, principal="", action="iam:ListUsers")
    assert response.status_code == 200  # the form again, with its errors
    assert "Choose a user, group or role, or paste a policy." in response.content.decode()


def test_one_principal_at_most(root_client, account, alice):
    accounts_services.create_group(account, name="Cashiers")
    response = simulate(root_client, principal="alice", group="Cashiers", action="iam:ListUsers")
    assert response.status_code == 200  # the form again, with its errors
    assert "Choose one user, group or role at most." in response.content.decode()


# ---------------------------------------------------------------------------
# Actions and resources


def test_actions_are_grouped_by_service_and_searchable(root_client, alice):
    from policies.engine import catalogue
    from policies.simulator.pickers import ACTIONS_PER_PAGE

    grant(alice, {"Effect": "Allow", "Action": ["s3:ListBucket", "ec2:DescribeInstances"], "Resource": "*"})
    response = simulate(root_client, principal="alice")
    picker = response.context["actions"]
    # The services the policies name, one page at a time.
    assert picker["page"].total == len(catalogue.actions_for_service("s3")) + len(catalogue.actions_for_service("ec2"))
    assert sum(len(g["actions"]) for g in picker["groups"]) == ACTIONS_PER_PAGE
    assert picker["groups"][0]["prefix"] == "s3"
    html = response.content.decode()
    assert '<optgroup label="Amazon S3 (s3)">' in html or "(s3)" in html
    assert '<option value="s3:GetObject">s3:GetObject</option>' in html
    last = simulate(root_client, principal="alice", action_page=str(picker["page"].total // ACTIONS_PER_PAGE + 1))
    assert {g["prefix"] for g in last.context["actions"]["groups"]} == {"ec2"}

    found = simulate(root_client, principal="alice", q="createuser")
    names = [a["name"] for g in found.context["actions"]["groups"] for a in g["actions"]]
    assert "iam:CreateUser" in names

    listed = simulate(root_client, principal="alice", service="sts")
    assert "sts" in {g["prefix"] for g in listed.context["actions"]["groups"]}


def test_free_text_actions_and_wildcards(root_client, alice):
    grant(alice, {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"})
    response = simulate(root_client, principal="alice", actions_text="IAM:getuser\niam:ListUser*")
    assert response.status_code == 200
    assert decisions(response) == {("iam:GetUser", "*"): "allowed", ("iam:ListUserPolicies", "*"): "implicitDeny",
                                   ("iam:ListUserTags", "*"): "implicitDeny", ("iam:ListUsers", "*"): "implicitDeny"}
    # A chosen action is selected in the picker.
    assert '<option value="iam:GetUser" selected>' in response.content.decode()


def test_unknown_actions_are_refused(root_client, alice):
    response = simulate(root_client, principal="alice", actions_text="iam:MakeMeAdmin\ns3:Nope*")
    assert response.status_code == 200  # the form again, with its errors
    html = response.content.decode()
    assert "iam:MakeMeAdmin is not a known action." in html
    assert "s3:Nope* matches no known action." in html


def test_resources_default_to_star_and_take_one_per_line(root_client, alice, bob):
    grant(alice, {"Effect": "Allow", "Action": "iam:GetUser", "Resource": alice.arn})
    response = simulate(root_client, principal="alice", action="iam:GetUser")
    assert decisions(response) == {("iam:GetUser", "*"): "implicitDeny"}
    response = simulate(root_client, principal="alice", action="iam:GetUser", resource=f"{alice.arn}\n{bob.arn}")
    assert decisions(response) == {("iam:GetUser", alice.arn): "allowed", ("iam:GetUser", bob.arn): "implicitDeny"}


# ---------------------------------------------------------------------------
# Context keys


def test_context_keys_of_the_policies_are_listed_and_missing_ones_marked(root_client, alice):
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::*:user/${aws:username}",
                  "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                                "ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}})
    response = simulate(root_client, principal="alice", action="iam:TagUser", resource=alice.arn)
    keys = {k.key: k for k in response.context["simulation"].context_keys}
    assert set(keys) == {"aws:SourceIp", "aws:TagKeys", "aws:username"}
    assert keys["aws:username"].value == "alice" and keys["aws:username"].defaulted
    assert keys["aws:TagKeys"].multivalued
    assert keys["aws:SourceIp"].missing_in == 1
    result = rows(response)[0]
    assert result.decision.decision == "implicitDeny"
    assert "aws:SourceIp" in result.decision.missing_context
    html = response.content.decode()
    assert 'name="context.aws:SourceIp"' in html
    assert 'data-missing="aws:SourceIp"' in html

    given = simulate(root_client, principal="alice", action="iam:TagUser", resource=alice.arn,
                     **{"context.aws:SourceIp": "203.0.113.7", "context.aws:TagKeys": "team, env"})
    assert rows(given)[0].decision.decision == "allowed"
    assert given.context["simulation"].context["aws:TagKeys"] == ["team", "env"]
    assert rows(given)[0].decision.missing_context == ()

    # An emptied value is absent, even for a key the principal would fill.
    emptied = simulate(root_client, principal="alice", action="iam:TagUser", resource=alice.arn,
                       **{"context.aws:SourceIp": "203.0.113.7", "context.aws:TagKeys": "team",
                          "context.aws:username": ""})
    assert rows(emptied)[0].decision.decision == "implicitDeny"
    assert "aws:username" in rows(emptied)[0].decision.missing_context


def test_simulating_oneself_uses_the_live_context(alice):
    grant(alice, {"Effect": "Allow", "Action": ["iam:Simulate*", "iam:List*"], "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:ListGroups", "Resource": "*",
           "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}})
    client = signed_in_client(alice)
    response = simulate(client, action="iam:ListGroups")  # alice is preselected
    assert response.status_code == 200
    assert response.context["target"].name == "alice"
    keys = {k.key: k.value for k in response.context["simulation"].context_keys}
    assert keys == {"aws:MultiFactorAuthPresent": "false"}  # her console session has no MFA
    assert decisions(response) == {("iam:ListGroups", "*"): "explicitDeny"}
    # The page the simulator explains says the same.
    assert client.get("/iam/groups/").status_code == 403


# ---------------------------------------------------------------------------
# Who may simulate what


def test_root_sees_the_accounts_principals_only(root_client, alice, mallory):
    other = accounts_services.create_user(mallory.account, user_name="eve")
    response = simulate(root_client)
    names = response.context["choices"]["users"]["page"].entries
    assert "alice" in names and other.user_name not in names
    assert response.context["simulation"] is None


def test_a_user_without_simulate_permissions_is_denied(bob_client, bob):
    response = bob_client.get(URL)
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: iam:SimulatePrincipalPolicy on resource: {bob.arn} "
            "because no identity-based policy allows the iam:SimulatePrincipalPolicy action") in response.content.decode()
    custom = csrf_post(bob_client, URL, {"principal": "", "policy": doc(), "action": "s3:ListBucket"})
    assert custom.status_code == 403
    assert "iam:SimulateCustomPolicy on resource: *" in custom.content.decode()
    # Authorisation comes first: a denied caller learns nothing about its input.
    broken = csrf_post(bob_client, URL, {"principal": "", "policy": "{", "action": "iam:Nope"})
    assert broken.status_code == 403


def test_simulate_principal_policy_is_checked_on_the_principal(alice, bob):
    grant(bob, {"Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy",
                "Resource": "arn:aws:iam::*:user/${aws:username}"})
    client = signed_in_client(bob)
    assert simulate(client, principal="bob", action="iam:ListUsers").status_code == 200
    denied = simulate(client, principal="alice", action="iam:ListUsers")
    assert denied.status_code == 403
    assert f"iam:SimulatePrincipalPolicy on resource: {alice.arn}" in denied.content.decode()
    # Without iam:ListUsers the user list is a text field, with the reason.
    page = simulate(client, principal="bob")
    assert page.context["choices"]["users"]["page"] is None
    assert "You can't list users: User: " in page.content.decode()


def test_another_accounts_principal_does_not_exist(mallory_client, alice):
    for params in ({"principal": "alice"}, {"principal": alice.arn}):
        response = simulate(mallory_client, action="iam:ListUsers", **params)
        assert response.status_code == 200  # the form again, with its errors
        assert "The user with name alice cannot be found." in response.content.decode()
        assert response.context["simulation"] is None


@pytest.mark.parametrize("kind", ["principal", "group", "role"])
def test_a_name_no_principal_could_have_is_not_found(root_client, kind):
    # Refused before any query (PostgreSQL refuses a NUL byte in one).
    response = simulate(root_client, action="iam:ListUsers", **{kind: "Cash\x00ier"})
    noun = "user" if kind == "principal" else kind
    assert response.status_code == 200  # the form again, with its errors
    assert f"The {noun} with name Cash\x00ier cannot be found." in response.content.decode()


def test_the_form_posts_with_csrf(root_client, alice):
    response = csrf_post(root_client, URL, {"principal": "alice", "action": "iam:ListUsers", "run": "1"})
    assert response.status_code == 200
    assert decisions(response) == {("iam:ListUsers", "*"): "implicitDeny"}
    assert root_client.post(URL, {"principal": "alice"}).status_code == 403  # no token


# ---------------------------------------------------------------------------
# From the AccessDenied page


def test_the_access_denied_page_links_to_the_simulator_prefilled(bob, account, aws_managed_policies):
    attach_aws_policy(bob, "IAMReadOnlyAccess")
    grant(bob, {"Sid": "NoUserList", "Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"})
    client = signed_in_client(bob)
    denied = client.get("/iam/users/")
    assert denied.status_code == 403
    html = denied.content.decode()
    users = account.arn("user/")
    link = f"{URL}?" + urlencode({"action": "iam:ListUsers", "resource": users, "principal": "bob"})
    assert link.replace("&", "&amp;") in html
    assert "with an explicit deny in an identity-based policy" in html
    assert "NoUserList" in html  # the page names the denying statement

    explained = client.get(link)
    assert explained.status_code == 200
    [result] = rows(explained)
    assert (result.action, result.resource, result.decision.decision) == ("iam:ListUsers", users, "explicitDeny")
    assert [(m.statement.sid, m.statement.effect) for m in result.matched] == [("NoUserList", "Deny")]
    assert 'class="hit-deny"' in explained.content.decode()


def test_the_simulator_link_keeps_only_action_and_resource_for_root():
    from policies.authz import Authorization, simulator_url

    auth = Authorization(False, "iam:CreateUser", "arn:aws:iam::123456789012:user/carol",
                         "arn:aws:iam::123456789012:user/bob", "implicitDeny", "because …")
    assert simulator_url(auth) == (f"{URL}?action=iam%3ACreateUser"
                                   "&resource=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fcarol")
    assert simulator_url(auth, principal="bob").endswith("&principal=bob")
    assert simulator_url(auth, role="Cashier").endswith("&role=Cashier")


def test_the_policy_text_is_escaped(root_client, alice):
    grant(alice, {"Sid": "Tag", "Effect": "Allow", "Action": "iam:TagUser", "Resource": "*",
                  "Condition": {"StringEquals": {"aws:RequestTag/note": "<script>alert(1)</script>"}}})
    response = simulate(root_client, principal="alice", action="iam:TagUser")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert json.dumps("x") and "&lt;script&gt;" in html


def test_policy_texts_need_the_permission_to_read_them(account, bob, aws_managed_policies):
    """Simulating shows decisions; the policy text itself needs what the console's policy
    pages need (iam:GetUserPolicy, iam:GetGroupPolicy, iam:GetPolicyVersion)."""
    group = accounts_services.create_group(account, name="Cashiers", users=[bob])
    policy_services.put_group_policy(group, name="Receipts", document=doc())
    attach_aws_policy(bob, "IAMUserChangePassword")
    grant(bob, {"Sid": "SelfCheck", "Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy",
                "Resource": "arn:aws:iam::*:user/${aws:username}"}, name="SelfCheck")
    client = signed_in_client(bob)
    response = simulate(client, action="iam:SimulatePrincipalPolicy", resource=bob.arn)
    assert response.status_code == 200
    [result] = rows(response)
    assert result.decision.decision == "allowed"
    assert [(m.statement.policy, m.statement.sid, m.lines) for m in result.matched] == [
        ("inline:SelfCheck", "SelfCheck", [])]
    hidden = {p.name: p.hidden.action for p in response.context["simulation"].policies if p.text_hidden}
    assert hidden == {"inline:SelfCheck": "iam:GetUserPolicy", "inline:Cashiers/Receipts": "iam:GetGroupPolicy",
                      "IAMUserChangePassword": "iam:GetPolicyVersion"}
    html = response.content.decode()
    assert "you can&#x27;t view this policy&#x27;s text" in html or "you can't view this policy's text" in html
    assert "&quot;s3:ListBucket&quot;" not in html  # the group policy's text
    assert "s3" not in {g["prefix"] for g in response.context["actions"]["groups"]}

    grant(bob, {"Effect": "Allow", "Action": ["iam:GetUserPolicy", "iam:GetGroupPolicy", "iam:GetPolicyVersion"],
                "Resource": "*"})
    response = simulate(client, action="iam:SimulatePrincipalPolicy", resource=bob.arn)
    assert not [p for p in response.context["simulation"].policies if p.text_hidden]
    assert rows(response)[0].matched[0].lines


def test_the_simulator_button_is_disabled_for_whoever_cannot_simulate_itself(bob_client, bob):
    denied = bob_client.get("/iam/users/")
    html = denied.content.decode()
    assert '<button type="button" class="button" disabled aria-disabled="true" title="User: ' in html
    assert f"iam:SimulatePrincipalPolicy on resource: {bob.arn}" in html
    assert ">Open in the policy simulator</button>" in html


def test_queries_do_not_grow_with_the_principals_policies(root_client, account, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_groups(start: int, count: int) -> None:
        for index in range(start, start + count):
            group = accounts_services.create_group(account, name=f"G{index}", users=[alice])
            policy_services.put_group_policy(group, name="Receipts", document=doc())
            policy = policy_services.create_policy(account, name=f"P{index}", document=doc())
            policy_services.attach_policy(group, policy_arn=policy.arn)
            policy_services.attach_policy(alice, policy_arn=policy.arn)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = simulate(root_client, principal="alice", action=["s3:ListBucket", "iam:ListUsers"],
                                resource=["*", "arn:aws:s3:::receipts"])
        assert len(rows(response)) == 4
        return len(captured)

    add_groups(0, 1)
    queries()  # warm up (the first simulation also records root's use of it: last accessed)
    few = queries()
    add_groups(1, 5)
    assert queries() == few <= 10


# ---------------------------------------------------------------------------
# A fresh page, landing on the results (issue 11, items 4 and 12)


def test_root_opening_the_simulator_gets_an_empty_form(root_client):
    response = root_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose a user, group or role, or paste a policy." not in html
    assert response.context["simulation"] is None and not response.context["form"].errors
    # Moving through a picker is not a run either.
    assert simulate(root_client, who="a", q="user").status_code == 200


def test_running_without_anything_to_simulate_is_explained(root_client):
    response = csrf_post(root_client, URL, {"principal": "", "run": "1"})
    assert response.status_code == 200  # the form again, with its errors
    assert "Choose a user, group or role, or paste a policy." in response.content.decode()


def test_running_lands_on_the_results_and_the_form_stays_reachable(root_client, alice):
    fresh = root_client.get(URL).content.decode()
    assert '<form method="post" action="/iam/policies/simulator/#sim-results" class="simulator" id="sim-form">' in fresh
    response = csrf_post(root_client, URL, {"principal": "alice", "action": "iam:ListUsers", "run": "1"})
    html = response.content.decode()
    assert '<section class="panel" aria-labelledby="sim-results-heading" id="sim-results">' in html
    assert '<a href="#sim-form">Change the simulation</a>' in html
    assert html.count('id="sim-results"') == 1
    assert response.context["permalink"].endswith("#sim-results")
    # Refused input: the messages are where the page lands.
    refused = csrf_post(root_client, URL, {"principal": "alice", "actions_text": "iam:Nope", "run": "1"})
    page = refused.content.decode()
    assert page.index('id="sim-results"') < page.index("iam:Nope is not a known action.")


# ---------------------------------------------------------------------------
# What the simulator fills in for another principal (issue 9, L3)


def tagged(principal, **tags):
    principal.tags = [{"Key": key, "Value": value} for key, value in tags.items()]
    principal.save(update_fields=["tags"])
    return principal


ABAC = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "admins", "aws:userid": "x"}}}


def test_another_users_tags_and_id_need_the_actions_that_read_them(alice, bob):
    tagged(alice, team="admins")
    grant(alice, ABAC)
    grant(bob, {"Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy", "Resource": "*"})
    client = signed_in_client(bob)
    response = simulate(client, principal="alice", action="s3:GetObject")
    assert response.status_code == 200
    keys = {k.key: k.value for k in response.context["simulation"].context_keys}
    assert keys == {"aws:PrincipalTag/team": "", "aws:userid": ""}
    html = response.content.decode()
    assert 'value="admins"' not in html and alice.unique_id not in html

    grant(bob, {"Effect": "Allow", "Action": ["iam:ListUserTags", "iam:GetUser"], "Resource": alice.arn})
    response = simulate(client, principal="alice", action="s3:GetObject")
    keys = {k.key: k.value for k in response.context["simulation"].context_keys}
    assert keys == {"aws:PrincipalTag/team": "admins", "aws:userid": alice.unique_id}


def test_an_explicit_deny_on_list_user_tags_keeps_them_out(alice, bob):
    tagged(alice, team="admins")
    grant(alice, ABAC)
    grant(bob, {"Effect": "Allow", "Action": ["iam:SimulatePrincipalPolicy", "iam:GetUser", "iam:ListUserTags"],
                "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:ListUserTags", "Resource": alice.arn})
    response = simulate(signed_in_client(bob), principal="alice", action="s3:GetObject")
    keys = {k.key: k.value for k in response.context["simulation"].context_keys}
    assert keys == {"aws:PrincipalTag/team": "", "aws:userid": alice.unique_id}


def test_a_roles_tags_need_list_role_tags(account, bob):
    from accounts import roles

    role = roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id),
                             tags=[("team", "admins")])
    policy_services.put_role_policy(role, name="Abac", document=doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "admins"}}}))
    grant(bob, {"Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy", "Resource": "*"})
    client = signed_in_client(bob)
    response = simulate(client, role="Cashier", action="s3:GetObject")
    assert {k.key: k.value for k in response.context["simulation"].context_keys} == {"aws:PrincipalTag/team": ""}
    assert rows(response)[0].decision.decision == "implicitDeny"

    grant(bob, {"Effect": "Allow", "Action": "iam:ListRoleTags", "Resource": role.arn})
    response = simulate(client, role="Cashier", action="s3:GetObject")
    assert {k.key: k.value for k in response.context["simulation"].context_keys} == {
        "aws:PrincipalTag/team": "admins"}
    assert rows(response)[0].decision.decision == "allowed"


def test_a_deny_on_the_principals_tags_keeps_its_policies_and_tags_out(alice, bob):
    """The simulator reads another principal's policies and tags as the console's pages do:
    with the principal's own tags as aws:ResourceTag/…, so a Deny by tag holds here too."""
    tagged(alice, team="admins")
    grant(alice, ABAC, name="AdminsOnly")
    grant(bob, {"Effect": "Allow", "Action": ["iam:SimulatePrincipalPolicy", "iam:GetUser", "iam:ListUserTags",
                                              "iam:GetUserPolicy"], "Resource": "*"},
          {"Effect": "Deny", "Action": ["iam:GetUserPolicy", "iam:ListUserTags"], "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}})
    response = simulate(signed_in_client(bob), principal="alice", action="s3:GetObject")
    hidden = {p.name: p.hidden.action for p in response.context["simulation"].policies if p.text_hidden}
    assert hidden == {"inline:AdminsOnly": "iam:GetUserPolicy"}
    keys = {k.key: k.value for k in response.context["simulation"].context_keys}
    assert keys["aws:PrincipalTag/team"] == ""


def test_simulating_oneself_reuses_the_policy_set_the_request_loaded(alice, bob):
    """An IAM user's simulator opens on itself: its policy set, already loaded to authorise
    the page, is not loaded a second time (another user's is)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grant(bob, {"Effect": "Allow", "Action": ["iam:SimulatePrincipalPolicy", "iam:GetUserPolicy"], "Resource": "*"})
    client = signed_in_client(bob)

    def memberships_read(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert simulate(client, action="s3:GetObject", **params).status_code == 200
        return sum("group_id, g.name" in q["sql"] for q in queries.captured_queries)

    assert memberships_read(principal="bob") == 1
    assert memberships_read(principal="alice") == 2
