"""The partials other apps include: the entity permissions list and the policy pickers."""

from __future__ import annotations

import pytest
from django import forms
from django.template import Context, Template

from accounts import services as accounts_services
from accounts.models import GroupMembership
from policies import services
from policies.forms import BoundaryArnField, PolicyArnsField

from .helpers import bulk_policies, doc

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize("groups", [1, 10])
def test_entity_permissions_renders_in_a_fixed_number_of_queries(
    account, alice, groups, django_assert_max_num_queries
):
    policies = bulk_policies(account, 3)
    for g in range(groups):
        group = accounts_services.create_group(account, name=f"G{g}")
        GroupMembership.objects.create(group=group, user=alice)
        for policy in policies:
            services.attach_group_policy(group, policy_arn=policy.arn)
        services.put_group_policy(group, name="Inline", document=doc())
    with django_assert_max_num_queries(4):
        html = render(
            '{% include "policies/_entity_permissions.html" with subject=user %}', user=alice
        )
    assert f"G{groups - 1}" in html and "P002" in html
    assert "/iam/users/alice/policies/attach/" in html and "Set permissions boundary" in html


def test_a_users_permissions_are_read_without_joining_the_memberships(account, alice):
    """The user's own policies and its groups' are read by the groups' ids, from the two
    foreign-key indexes: a join through the memberships (with an OR and DISTINCT, or in a
    subquery) made PostgreSQL scan or merge-join every attachment of the server (~100 ms
    for a user's page at 5,000 users)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    policy = bulk_policies(account, 1)[0]
    group = accounts_services.create_group(account, name="Cashiers", users=[alice])
    services.attach_group_policy(group, policy_arn=policy.arn)
    services.attach_user_policy(alice, policy_arn=policy.arn)
    services.put_group_policy(group, name="GroupInline", document=doc())
    services.put_user_policy(alice, name="UserInline", document=doc())
    theirs = accounts_services.create_group(account, name="Others")
    services.put_group_policy(theirs, name="TheirInline", document=doc())
    with CaptureQueriesContext(connection) as queries:
        html = render('{% include "policies/_entity_permissions.html" with subject=user %}', user=alice)
    assert html.count(policy.name) >= 2 and "GroupInline" in html and "UserInline" in html
    assert "TheirInline" not in html
    policy_queries = [q["sql"] for q in queries if "FROM \"policies_" in q["sql"]]
    assert policy_queries
    for sql in policy_queries:
        assert "accounts_groupmembership" not in sql and "DISTINCT" not in sql.upper(), sql


class PickerForm(forms.Form):
    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy_arns"] = PolicyArnsField(account)
        self.fields["permissions_boundary"] = BoundaryArnField(account)


def test_policy_and_boundary_pickers_render_the_fields_choices(account, root, aws_managed_policies, rf):
    from accounts.identity import Identity

    iam = Identity(
        user=root, account=account, arn=account.root_arn, principal_type="Account", context={}
    )
    data = {
        "policy_arns": ["arn:aws:iam::aws:policy/IAMReadOnlyAccess"],
        "permissions_boundary": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    }
    form = PickerForm(data, account=account)
    assert form.is_valid()
    assert form.cleaned_data == {"policy_arns": data["policy_arns"],
                                 "permissions_boundary": data["permissions_boundary"]}
    # Searched: the AWS managed catalogue has 1,600 policies, more than a picker's page.
    request = rf.post("/", {**data, "policy_arns-q": "IAMReadOnly", "permissions_boundary-q": "AmazonS3Full"})
    request.iam = iam  # the pickers ask whether the caller may list the choices
    html = render(
        '{% include "policies/_policy_picker.html" with field=form.policy_arns %}'
        '{% include "policies/_boundary_picker.html" with field=form.permissions_boundary none_label="No boundary" %}',
        form=form,
        iam=iam,
        request=request,
    )
    assert (
        'name="policy_arns" value="arn:aws:iam::aws:policy/IAMReadOnlyAccess" id="policy_arns-'
        in html
    )
    assert html.count(" checked") == 2  # the chosen policy and the chosen boundary
    assert 'name="permissions_boundary" value=""' in html


def test_policy_fields_refuse_a_policy_of_another_account(account, mallory):
    foreign = services.create_policy(mallory.account, name="Theirs", document=doc())
    form = PickerForm({"policy_arns": [foreign.arn], "permissions_boundary": foreign.arn}, account=account)
    assert not form.is_valid()
    assert form.errors["policy_arns"] == [f"Policy {foreign.arn} does not exist or is not attachable."]
    assert form.errors["permissions_boundary"] == [f"Policy {foreign.arn} does not exist or is not attachable."]
