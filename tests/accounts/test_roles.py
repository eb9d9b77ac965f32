"""Role services: generated trust policies, names, quotas, validation, instance profiles, deletion."""

from __future__ import annotations

import json
import re

import pytest
from django.db import IntegrityError, transaction

from accounts import dependents, quotas, roles
from accounts.models import InstanceProfile, Role
from iamportal.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)

pytestmark = pytest.mark.django_db

ACCOUNT = "123456789012"


# ---------------------------------------------------------------------------
# Generated trust policies, one per trusted-entity type (iam-facts §8.3), as exact JSON


def test_aws_service_trust_policy_is_the_consoles():
    assert json.loads(roles.service_trust_policy("ec2.amazonaws.com")) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"],
                       "Principal": {"Service": ["ec2.amazonaws.com"]}}],
    }
    # Shown as the console's editor shows it: 4-space indent, AWS's key order.
    assert roles.service_trust_policy("lambda.amazonaws.com") == """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "sts:AssumeRole"
            ],
            "Principal": {
                "Service": [
                    "lambda.amazonaws.com"
                ]
            }
        }
    ]
}"""


def test_aws_account_trust_policy_without_options_has_an_empty_condition():
    assert json.loads(roles.account_trust_policy(ACCOUNT)) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                       "Action": "sts:AssumeRole", "Condition": {}}],
    }


def test_require_mfa_adds_the_multi_factor_condition():
    statement = json.loads(roles.account_trust_policy(ACCOUNT, require_mfa=True))["Statement"][0]
    assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_require_external_id_adds_the_external_id_condition():
    statement = json.loads(roles.account_trust_policy("210987654321", external_id="Shop-42"))["Statement"][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "Shop-42"}}


def test_both_options_add_both_conditions():
    statement = json.loads(roles.account_trust_policy(ACCOUNT, external_id="x1", require_mfa=True))["Statement"][0]
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "x1"},
                                      "Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_web_identity_trust_policy_for_google():
    document = json.loads(roles.web_identity_trust_policy(roles.PROVIDERS_BY_KEY["google"], "client-1"))
    assert document == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"},
                       "Action": "sts:AssumeRoleWithWebIdentity",
                       "Condition": {"StringEquals": {"accounts.google.com:aud": "client-1"}}}],
    }


def test_web_identity_trust_policy_for_cognito_requires_authenticated_identities():
    document = json.loads(roles.web_identity_trust_policy(roles.PROVIDERS_BY_KEY["cognito"], "us-east-1:pool"))
    assert document["Statement"][0] == {
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}},
    }


def test_saml_trust_policy_with_console_access():
    assert json.loads(roles.saml_trust_policy(ACCOUNT, "CorpIdP")) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/CorpIdP"},
                       "Action": "sts:AssumeRoleWithSAML",
                       "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}],
    }


def test_saml_trust_policy_for_programmatic_access_conditions_on_the_chosen_attribute():
    statement = json.loads(roles.saml_trust_policy(ACCOUNT, "CorpIdP", console_access=False,
                                                   attribute="SAML:sub_type", value="persistent"))["Statement"][0]
    assert statement["Condition"] == {"StringEquals": {"SAML:sub_type": "persistent"}}


def test_custom_trust_template_is_the_consoles_starting_point():
    assert json.loads(roles.custom_trust_template()) == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Statement1", "Effect": "Allow", "Principal": {}, "Action": "sts:AssumeRole"}],
    }


@pytest.mark.parametrize("policy", [
    roles.service_trust_policy("ec2.amazonaws.com"),
    roles.account_trust_policy(ACCOUNT, external_id="abc", require_mfa=True),
    roles.web_identity_trust_policy(roles.PROVIDERS_BY_KEY["facebook"], "app"),
    roles.saml_trust_policy(ACCOUNT, "CorpIdP"),
])
def test_every_generated_trust_policy_passes_the_trust_validator(policy):
    assert roles.check_trust_policy(policy) == []


def test_trusted_entities_summarise_a_trust_policy():
    assert roles.trusted_entities(roles.service_trust_policy("ec2.amazonaws.com")) == ["AWS Service: ec2"]
    assert roles.trusted_entities(roles.account_trust_policy(ACCOUNT)) == [f"Account: {ACCOUNT}"]
    assert roles.trusted_entities(roles.saml_trust_policy(ACCOUNT, "Idp")) == [
        f"Identity Provider: arn:aws:iam::{ACCOUNT}:saml-provider/Idp"]
    assert roles.trusted_entities("not json") == []


# ---------------------------------------------------------------------------
# CreateRole: names, uniqueness, quota, description, duration, trust policy


def make_role(account, name="Cashier", **kwargs):
    kwargs.setdefault("trust_policy", roles.account_trust_policy(account.account_id))
    return roles.create_role(account, name=name, **kwargs)


def test_create_role_gives_an_aroa_id_and_the_arn_with_path(account):
    role = make_role(account, name="Cashier", path="/shop/", description="Works the till")
    assert role.unique_id.startswith("AROA") and len(role.unique_id) == 21
    assert role.arn == f"arn:aws:iam::{account.account_id}:role/shop/Cashier"
    assert role.session_arn("maria") == f"arn:aws:sts::{account.account_id}:assumed-role/Cashier/maria"
    assert role.max_session_duration == 3600


def test_role_names_are_unique_case_insensitively(account):
    make_role(account, name="Cashier")
    with pytest.raises(EntityAlreadyExists, match="Role with name CASHIER already exists."):
        make_role(account, name="CASHIER")


def test_the_database_enforces_case_insensitive_uniqueness(account):
    make_role(account, name="Cashier")
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(account=account, name="cashier", trust_policy="{}")


def test_the_same_name_may_exist_in_another_account(account, mallory):
    make_role(account, name="Cashier")
    assert make_role(mallory.account, name="Cashier").account == mallory.account


@pytest.mark.parametrize("name, message", [
    ("bad name", ("1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: "
                  "Member must satisfy regular expression pattern: [\\w+=,.@-]+")),
    ("x" * 65, "Member must have length less than or equal to 64"),
    ("", "Member must have length greater than or equal to 1"),
])
def test_role_name_rules_use_iams_messages(account, name, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        make_role(account, name=name)


def test_a_64_character_name_is_fine(account):
    assert make_role(account, name="R" * 64).name == "R" * 64


def test_description_must_use_iams_charset_and_length(account):
    with pytest.raises(ValidationError, match="at 'description' failed to satisfy constraint: Member must "
                                              "satisfy regular expression pattern"):
        make_role(account, description="emoji ☕ not allowed")
    with pytest.raises(ValidationError, match="Member must have length less than or equal to 1000"):
        make_role(account, description="x" * 1001)
    assert make_role(account, description="Café staff – tab\tok".replace("–", "-")).description


@pytest.mark.parametrize("seconds, ok", [(3599, False), (3600, True), (43200, True), (43201, False)])
def test_max_session_duration_is_one_to_twelve_hours(account, seconds, ok):
    if ok:
        assert make_role(account, max_session_duration=seconds).max_session_duration == seconds
    else:
        with pytest.raises(ValidationError, match="at 'maxSessionDuration' failed to satisfy constraint"):
            make_role(account, max_session_duration=seconds)


def test_the_database_refuses_an_out_of_range_duration(account):
    role = make_role(account)
    role.max_session_duration = 100
    with pytest.raises(IntegrityError), transaction.atomic():
        role.save()


def test_quota_of_1000_roles_per_account(account, monkeypatch):
    monkeypatch.setattr(quotas, "ROLES_PER_ACCOUNT", 2)
    make_role(account, name="One")
    make_role(account, name="Two")
    with pytest.raises(LimitExceeded, match="Cannot exceed quota for RolesPerAccount: 2"):
        make_role(account, name="Three")


def test_a_malformed_trust_policy_is_refused_with_iams_message(account):
    with pytest.raises(MalformedPolicyDocument, match="Syntax errors in policy."):
        make_role(account, trust_policy="{not json")
    bad = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole", "Resource": "*"}]})
    with pytest.raises(MalformedPolicyDocument, match="Has prohibited field Resource."):
        make_role(account, trust_policy=bad)
    assert not Role.objects.exists()


def test_a_trust_policy_over_2048_characters_is_limit_exceeded(account):
    principals = [f"arn:aws:iam::{n:012d}:root" for n in range(80)]
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}]}, indent=8)
    assert roles.non_whitespace_length(big) > 2048
    with pytest.raises(LimitExceeded, match="Cannot exceed quota for ACLSizePerRole: 2048"):
        make_role(account, trust_policy=big)


def test_tags_follow_iams_rules(account):
    role = make_role(account, tags=[("team", "front"), ("shift", "")])
    assert role.tag_list == [{"Key": "team", "Value": "front"}, {"Key": "shift", "Value": ""}]
    from iamportal.errors import InvalidInput

    with pytest.raises(InvalidInput, match="Duplicate tag keys found"):
        make_role(account, name="Other", tags=[("a", "1"), ("A", "2")])


# ---------------------------------------------------------------------------
# Instance profiles, updates, deletion


def test_a_role_trusting_ec2_gets_an_instance_profile_of_its_name(account):
    role = make_role(account, name="WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    profile = InstanceProfile.objects.get(role=role)
    assert profile.name == "WebServer"
    assert profile.unique_id.startswith("AIPA")
    assert profile.arn == f"arn:aws:iam::{account.account_id}:instance-profile/WebServer"
    lambda_role = make_role(account, name="Fn", trust_policy=roles.service_trust_policy("lambda.amazonaws.com"))
    assert not InstanceProfile.objects.filter(role=lambda_role).exists()


def test_update_role_changes_description_and_duration(account):
    role = make_role(account)
    roles.update_role(role, description="Till", max_session_duration=7200)
    role.refresh_from_db()
    assert (role.description, role.max_session_duration) == ("Till", 7200)
    with pytest.raises(ValidationError):
        roles.update_role(role, max_session_duration=50000)


def test_update_trust_policy_validates_like_create(account):
    role = make_role(account)
    with pytest.raises(MalformedPolicyDocument):
        roles.update_trust_policy(role, '{"Version": "2012-10-17"}')
    roles.update_trust_policy(role, roles.service_trust_policy("ec2.amazonaws.com"))
    role.refresh_from_db()
    assert roles.trusted_entities(role.trust_policy) == ["AWS Service: ec2"]


def test_get_role_is_scoped_to_the_account(account, mallory):
    make_role(account, name="Cashier")
    assert roles.get_role(account, "cashier").name == "Cashier"
    with pytest.raises(NoSuchEntity, match="The role with name Cashier cannot be found."):
        roles.get_role(mallory.account, "Cashier")


def test_delete_role_conflicts_while_in_an_instance_profile(account):
    role = make_role(account, name="WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    with pytest.raises(DeleteConflict, match="Cannot delete entity, must remove roles from instance profile first."):
        roles.delete_role(role, remove_dependents=False)
    roles.delete_role(role, remove_dependents=True)  # the console's clean-up
    assert not Role.objects.exists() and not InstanceProfile.objects.exists()


def test_delete_role_conflicts_on_registered_dependents(account, monkeypatch):
    role = make_role(account)
    removed = []
    found = [dependents.Removal("key", (("iam:DeleteRoleThing", role.arn, {}),))]
    monkeypatch.setitem(dependents.ROLES.dependents, "Things", dependents.Dependent(
        "Things", "delete things", lambda r: [] if removed else found, lambda r, rs: removed.append((r, rs))))
    with pytest.raises(DeleteConflict, match="Cannot delete entity, must delete things first."):
        roles.delete_role(role, remove_dependents=False)
    roles.delete_role(role, remove_dependents=True)
    assert removed == [(role, tuple(found))]


def test_deleting_a_role_keeps_an_instance_profile_of_another_name(account):
    role = make_role(account, name="WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    other = InstanceProfile.objects.create(account=account, name="Shared", role=None)
    InstanceProfile.objects.filter(pk=other.pk).update(role=role)
    roles.delete_role(role, remove_dependents=True)
    other.refresh_from_db()
    assert other.role is None


@pytest.mark.parametrize("value, expected", [
    ("Cashier", ("/", "Cashier")),
    ("shop/Cashier", ("/shop/", "Cashier")),
    ("/shop/front/Cashier", ("/shop/front/", "Cashier")),
])
def test_switch_role_names_may_carry_a_path(value, expected):
    assert roles.split_role_reference(value) == expected


@pytest.mark.parametrize("user_name, session", [("maria", "maria"), ("a", "a-"), ("x" * 70, "x" * 64)])
def test_session_name_is_the_user_name_within_iams_limits(user_name, session):
    assert roles.session_name_for(user_name) == session
