"""The partials other apps include: the entity permissions list and the policy pickers."""

from __future__ import annotations

import pytest
from django import forms
from django.template import Context, Template

from accounts import services as accounts_services
from accounts.models import GroupMembership
from policies import services
from policies.forms import attachable_policy_choices

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
    with django_assert_max_num_queries(3):
        html = render(
            '{% include "policies/_entity_permissions.html" with subject=user %}', user=alice
        )
    assert f"G{groups - 1}" in html and "P002" in html
    assert "/iam/users/alice/policies/attach/" in html and "Set permissions boundary" in html


class PickerForm(forms.Form):
    policy_arns = forms.MultipleChoiceField(required=False)
    permissions_boundary = forms.ChoiceField(required=False)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = attachable_policy_choices(account)
        self.fields["policy_arns"].choices = choices
        self.fields["permissions_boundary"].choices = [("", "No boundary"), *choices]


def test_policy_and_boundary_pickers_render_the_fields_choices(account, root, aws_managed_policies):
    from accounts.identity import Identity

    iam = Identity(
        user=root, account=account, arn=account.root_arn, principal_type="Account", context={}
    )
    form = PickerForm(
        {
            "policy_arns": ["arn:aws:iam::aws:policy/IAMReadOnlyAccess"],
            "permissions_boundary": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        },
        account=account,
    )
    assert form.is_valid()
    html = render(
        '{% include "policies/_policy_picker.html" with field=form.policy_arns %}'
        '{% include "policies/_boundary_picker.html" with field=form.permissions_boundary %}',
        form=form,
        iam=iam,
    )
    assert (
        'name="policy_arns" value="arn:aws:iam::aws:policy/IAMReadOnlyAccess" id="policy_arns-'
        in html
    )
    assert html.count(" checked") == 2  # the chosen policy and the chosen boundary
    assert 'name="permissions_boundary" value=""' in html
