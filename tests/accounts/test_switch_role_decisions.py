"""Who may assume a role: the decision matrix of trust policy × own permissions × MFA.

Plain identities with a given policy set, so each case isolates the rule (iam-facts §4.4):
the trust policy must allow the caller; naming the caller's own ARN suffices, naming only
the account also needs the caller's ``sts:AssumeRole``; an explicit deny anywhere wins;
"Require MFA" needs ``aws:MultiFactorAuthPresent``.
"""

from __future__ import annotations

import itertools
import json

import pytest

from accounts import roles
from accounts.identity import Identity
from policies.authz import PolicySet
from policies.engine import Policy

pytestmark = pytest.mark.django_db


def user_identity(user, *, mfa: bool, own: str) -> Identity:
    context = {
        "aws:username": user.user_name, "aws:userid": user.unique_id, "aws:PrincipalArn": user.arn,
        "aws:PrincipalType": "User", "aws:PrincipalAccount": user.account.account_id,
        "aws:MultiFactorAuthPresent": "true" if mfa else "false",
    }
    identity = Identity(user=user, account=user.account, arn=user.arn, principal_type="User", context=context)
    statements = {
        "allow": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/Cashier"}],
        "none": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
        "deny": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
                 {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}],
    }[own]
    identity._policy_set = PolicySet(identity=[Policy.from_json(
        {"Version": "2012-10-17", "Statement": statements}, name="own")])
    return identity


def trust_policy(kind: str, user, other_account: str) -> str:
    account_id = user.account.account_id
    if kind == "account":
        return roles.account_trust_policy(account_id)
    if kind == "account+mfa":
        return roles.account_trust_policy(account_id, require_mfa=True)
    if kind == "other-account":
        return roles.account_trust_policy(other_account)
    statement = {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"}
    if kind == "user+mfa":
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    statements = [statement]
    if kind == "user+deny":
        statements.append({"Effect": "Deny", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def expected(trust: str, own: str, mfa: bool) -> bool:
    if own == "deny" or trust in ("other-account", "user+deny"):
        return False
    if trust.endswith("+mfa") and not mfa:
        return False
    if trust.startswith("account"):
        return own == "allow"
    return True  # the trust policy names the user: no identity policy needed


MATRIX = list(itertools.product(
    ["account", "account+mfa", "user", "user+mfa", "other-account", "user+deny"],
    ["allow", "none", "deny"],
    [True, False],
))


@pytest.mark.parametrize("trust, own, mfa", MATRIX, ids=[f"{t}-{o}-{'mfa' if m else 'nomfa'}" for t, o, m in MATRIX])
def test_assume_decision_matrix(account, alice, mallory, trust, own, mfa):
    role = roles.create_role(account, name="Cashier",
                             trust_policy=trust_policy(trust, alice, mallory.account.account_id))
    identity = user_identity(alice, mfa=mfa, own=own)
    check = roles.check_assume(identity, role)
    assert check.allowed is expected(trust, own, mfa), check.reasons
    if not check.allowed:
        assert check.reasons
        with pytest.raises(roles.AccessDenied) as denied:
            roles.assume_role(identity, account_reference=account.account_id, role_name="Cashier", now=1e9)
        assert str(denied.value) == (
            f"User: arn:aws:iam::{account.account_id}:user/alice is not authorized to perform: "
            f"sts:AssumeRole on resource: arn:aws:iam::{account.account_id}:role/Cashier")
    else:
        grant = roles.assume_role(identity, account_reference=account.account_id, role_name="Cashier", now=1e9)
        assert grant.arn == f"arn:aws:sts::{account.account_id}:assumed-role/Cashier/alice"


def test_explanations_say_which_check_failed(account, alice):
    role = roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id,
                                                                                            require_mfa=True))
    assert "requires MFA" in " ".join(roles.check_assume(user_identity(alice, mfa=False, own="allow"), role).reasons)
    assert "no identity-based policy does" in " ".join(
        roles.check_assume(user_identity(alice, mfa=True, own="none"), role).reasons)
    assert "explicitly deny" in " ".join(roles.check_assume(user_identity(alice, mfa=True, own="deny"), role).reasons)


def test_a_role_requiring_an_external_id_cannot_be_switched_to_in_the_console(account, alice):
    roles.create_role(account, name="Cashier",
                      trust_policy=roles.account_trust_policy(account.account_id, external_id="partner-1"))
    with pytest.raises(roles.AccessDenied) as denied:
        roles.assume_role(user_identity(alice, mfa=True, own="allow"), account_reference=account.account_id,
                          role_name="Cashier", now=1e9)
    assert "external ID" in denied.value.explanation


def test_a_missing_role_is_access_denied_not_no_such_entity(account, alice):
    with pytest.raises(roles.AccessDenied) as denied:
        roles.assume_role(user_identity(alice, mfa=False, own="allow"), account_reference=account.account_id,
                          role_name="shop/Nope", now=1e9)
    assert str(denied.value).endswith(f"on resource: arn:aws:iam::{account.account_id}:role/shop/Nope")


def test_an_unknown_account_alias_is_the_consoles_invalid_information(alice):
    with pytest.raises(roles.AccessDenied, match="Invalid information in one or more fields"):
        roles.assume_role(user_identity(alice, mfa=False, own="allow"), account_reference="no-such-alias",
                          role_name="Cashier", now=1e9)


def test_the_role_path_must_match(account, alice):
    roles.create_role(account, name="Cashier", path="/shop/",
                      trust_policy=trust_policy("user", alice, "210987654321"))
    identity = user_identity(alice, mfa=False, own="none")
    with pytest.raises(roles.AccessDenied):
        roles.assume_role(identity, account_reference=account.account_id, role_name="Cashier", now=1e9)
    grant = roles.assume_role(identity, account_reference=account.account_id, role_name="shop/Cashier", now=1e9)
    assert grant.arn.endswith(":assumed-role/Cashier/alice")  # no path in the session ARN


def test_durations_follow_the_roles_maximum(account, alice):
    roles.create_role(account, name="Cashier", max_session_duration=7200,
                      trust_policy=trust_policy("user", alice, "210987654321"))
    grant = roles.assume_role(user_identity(alice, mfa=False, own="none"), account_reference=account.account_id,
                              role_name="Cashier", now=1000.0)
    assert (grant.issued, grant.expires, grant.chained) == (1000.0, 8200.0, False)
    assert grant.source_identity == alice.arn
    capped = roles.assume_role(user_identity(alice, mfa=False, own="none"), account_reference=account.account_id,
                               role_name="Cashier", now=1000.0, console_session_ends=2000.0)
    assert capped.expires == 2000.0


def test_cross_account_needs_the_trust_and_the_callers_own_permission(account, alice, mallory):
    other = mallory.account
    roles.create_role(other, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    with pytest.raises(roles.AccessDenied) as denied:
        roles.assume_role(user_identity(alice, mfa=False, own="none"), account_reference=other.account_id,
                          role_name="Cashier", now=1e9)
    assert "another account" in denied.value.explanation
    grant = roles.assume_role(user_identity(alice, mfa=False, own="allow"), account_reference=other.account_id,
                              role_name="Cashier", now=1e9)
    assert grant.arn == f"arn:aws:sts::{other.account_id}:assumed-role/Cashier/alice"


def test_cross_account_trust_naming_the_user_still_needs_the_users_permission(account, alice, mallory):
    other = mallory.account
    roles.create_role(other, name="Cashier", trust_policy=trust_policy("user", alice, "x"))
    with pytest.raises(roles.AccessDenied):
        roles.assume_role(user_identity(alice, mfa=False, own="none"), account_reference=other.account_id,
                          role_name="Cashier", now=1e9)
    assert roles.assume_role(user_identity(alice, mfa=False, own="allow"), account_reference=other.account_id,
                             role_name="Cashier", now=1e9)


def test_a_role_trusting_only_its_own_account_refuses_another_accounts_user(account, alice, mallory):
    other = mallory.account
    roles.create_role(other, name="Cashier", trust_policy=roles.account_trust_policy(other.account_id))
    with pytest.raises(roles.AccessDenied):
        roles.assume_role(user_identity(alice, mfa=True, own="allow"), account_reference=other.account_id,
                          role_name="Cashier", now=1e9)


def test_root_cannot_assume_a_role(root, account):
    identity = Identity(user=root, account=account, arn=account.root_arn, principal_type="Account", context={})
    roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    with pytest.raises(roles.AccessDenied, match="Roles may not be assumed by root accounts."):
        roles.assume_role(identity, account_reference=account.account_id, role_name="Cashier", now=1e9)
    assert not roles.check_assume(identity, roles.get_role(account, "Cashier")).allowed
