"""Access keys in the console (issue #12, iam-facts §8.6): the Security credentials panel, the
three steps of Create access key, the secret shown once, activate / deactivate, delete after
deactivating, the quota, and the root user's own keys."""

from __future__ import annotations

import html
import json
import logging
import re

import pytest
from django.contrib.sessions.models import Session

from accounts import access_keys, roles, services
from accounts.models import AccessKey
from policies import services as policy_services
from tests.conftest import csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db

ALICE = "/iam/users/alice/access-keys/"
OWN = "/iam/security-credentials/access-keys/"
CONFIRM = "I understand the above recommendation and want to proceed to create an access key."


def text(response) -> str:
    return html.unescape(response.content.decode())


def shown_secret(response) -> str | None:
    match = re.search(r'data-testid="secret-access-key">(.*?)</code>', response.content.decode())
    return html.unescape(match.group(1)) if match else None


def create(client, base=ALICE, *, use_case="cli", confirm=True, description=""):
    """Walk steps 1 and 2; returns the response of step 2's POST."""
    step1 = csrf_post(client, base + "create/", {"step": "use_case", "use_case": use_case,
                                                 **({"confirm": "on"} if confirm else {})})
    assert "<h1>Set description tag - optional</h1>" in step1.content.decode(), text(step1)[:3000]
    return csrf_post(client, base + "create/", {"step": "description", "description": description})


def session_row(client) -> str:
    return str(Session.objects.get(pk=client.session.session_key).get_decoded())


# ---------------------------------------------------------------------------
# The panel


def test_the_security_credentials_tab_lists_the_keys_with_aws_columns(root_client, alice):
    page = text(root_client.get("/iam/users/alice/?tab=security_credentials"))
    assert "Access keys (0)" in page and "No access keys." in page
    assert f'href="{ALICE}create/">Create access key</a>' in page

    key, _ = access_keys.create_access_key(alice)
    access_keys.create_access_key(alice)
    access_keys.record_use(key, service="iam", region="eu-west-1")
    page = text(root_client.get("/iam/users/alice/?tab=security_credentials"))
    assert "Access keys (2)" in page
    assert page.count('data-testid="access-key"') == 2
    assert key.access_key_id in page
    for heading in ("Access key ID", "Description", "Status", "Created", "Last used", "Last used region",
                    "Last used service"):
        assert f'<th scope="col">{heading}</th>' in page
    assert "<td>eu-west-1</td>" in page and "<td>iam</td>" in page
    assert "<td>Never</td>" in page and "<td>N/A</td>" in page  # the unused second key
    # Two keys: Create access key is disabled, with AWS's explanation.
    assert f'href="{ALICE}create/"' not in page
    assert "You can have a maximum of two access keys (active or inactive) at a time." in page
    assert re.search(r'<button type="button" class="button" disabled aria-disabled="true" '
                     r'aria-describedby="access-keys-quota">Create access key</button>', page)


def test_the_root_users_own_keys_are_on_my_security_credentials_with_awss_warning(root_client, root):
    page = text(root_client.get("/iam/security-credentials/"))
    assert "Access keys (0)" in page
    assert "we don't recommend creating access keys for the root user" in page
    assert f'href="{OWN}create/">Create access key</a>' in page
    access_keys.create_access_key(root)
    access_keys.create_access_key(root)
    page = text(root_client.get("/iam/security-credentials/"))
    assert "Access keys (2)" in page and f'href="{OWN}create/"' not in page


def test_the_panel_needs_list_access_keys_and_hides_last_use_without_get_access_key_last_used(alice, bob):
    key, _ = access_keys.create_access_key(bob)
    access_keys.record_use(key, service="sts", region="us-west-2")
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetUser", "iam:GetLoginProfile"], "Resource": "*"})
    client = signed_in_client(alice)
    page = text(client.get("/iam/users/bob/?tab=security_credentials"))
    assert (f"User: {alice.arn} is not authorized to perform: iam:ListAccessKeys on resource: {bob.arn}"
            in page)
    assert key.access_key_id not in page

    grant(alice, {"Effect": "Allow", "Action": ["iam:GetUser", "iam:GetLoginProfile", "iam:ListAccessKeys"],
                  "Resource": "*"})
    page = text(client.get("/iam/users/bob/?tab=security_credentials"))
    assert key.access_key_id in page
    assert "iam:GetAccessKeyLastUsed on resource: " + bob.arn in page
    assert "us-west-2" not in page
    # Without iam:ListUserTags, no description either; without the actions, the controls are disabled.
    assert 'data-denied-action="iam:UpdateAccessKey"' in page
    assert 'data-denied-action="iam:DeleteAccessKey"' in page
    assert 'data-denied-action="iam:CreateAccessKey"' in page


# ---------------------------------------------------------------------------
# Create access key: an IAM user's


def test_step_one_lists_the_use_cases_with_awss_alternatives(root_client, alice):
    page = text(root_client.get(ALICE + "create/"))
    assert "<h1>Access key best practices & alternatives</h1>" in page
    for label in ("Command Line Interface (CLI)", "Local code", "Application running on an AWS compute service",
                  "Third-party service", "Application running outside AWS", "Other"):
        assert label in page
    assert "Use AWS CloudShell, a browser-based CLI, to run commands." in page
    assert "IAM Roles Anywhere" in page
    assert CONFIRM in page


@pytest.mark.parametrize("use_case, needs_confirmation", [
    ("cli", True), ("local_code", True), ("aws_compute", True), ("third_party", True),
    ("outside_aws", False), ("other", False)])
def test_the_confirmation_is_required_where_aws_requires_it(root_client, alice, use_case, needs_confirmation):
    response = csrf_post(root_client, ALICE + "create/", {"step": "use_case", "use_case": use_case})
    page = text(response)
    assert response.status_code == 200
    if needs_confirmation:
        assert "To continue, confirm that you understand the recommendation." in page
        assert "Set description tag" not in re.sub(r"<ol class=\"steps\".*?</ol>", "", page, flags=re.S)
    else:
        assert "<h1>Set description tag - optional</h1>" in page
    assert not AccessKey.objects.exists()


def test_step_one_needs_a_use_case(root_client, alice):
    page = text(csrf_post(root_client, ALICE + "create/", {"step": "use_case", "confirm": "on"}))
    assert "Choose a use case." in page
    assert "Choose one of the use cases listed." in text(
        csrf_post(root_client, ALICE + "create/", {"step": "use_case", "use_case": "carrier-pigeon"}))


def test_the_key_is_created_with_its_description_tag_and_the_secret_is_shown_once(root_client, alice, caplog):
    caplog.set_level(logging.DEBUG)
    response = create(root_client, description="Nightly backup job")
    assert response.status_code == 302 and response["Location"] == ALICE + "retrieve/"
    key = AccessKey.objects.get(user=alice)
    alice.refresh_from_db()
    assert alice.tag_list == [{"Key": key.access_key_id, "Value": "Nightly backup job"}]
    assert key.status == "Active" and re.fullmatch(r"AKIA[A-Z2-7]{16}", key.access_key_id)

    secret = access_keys.secret_of(key)
    assert secret not in session_row(root_client)  # sealed in the session, never in plain text
    page = root_client.get(ALICE + "retrieve/")
    assert page["Cache-Control"].startswith("max-age=0")
    assert "<h1>Retrieve access keys</h1>" in text(page)
    assert key.access_key_id in text(page)
    assert shown_secret(page) == secret
    assert "<details class=\"password-reveal\">" in text(page)  # Show works without JavaScript

    again = root_client.get(ALICE + "retrieve/")  # a reload shows the id, never the secret
    assert shown_secret(again) is None and secret not in again.content.decode()
    assert "can no longer be viewed; you can still download the .csv file once" in text(again)

    download = csrf_post(root_client, ALICE + "retrieve/", {"download": "csv"})
    assert download["Content-Disposition"] == 'attachment; filename="alice_accessKeys.csv"'
    assert download.content.decode().splitlines() == ["Access key ID,Secret access key",
                                                      f"{key.access_key_id},{secret}"]
    second = csrf_post(root_client, ALICE + "retrieve/", {"download": "csv"})
    assert second.status_code == 410 and secret not in second.content.decode()

    done = csrf_post(root_client, ALICE + "retrieve/", {"done": "1"})
    assert done["Location"] == "/iam/users/alice/?tab=security_credentials"
    after = root_client.get(ALICE + "retrieve/")
    assert after.status_code == 410 and secret not in after.content.decode()
    assert key.access_key_id not in after.content.decode()
    # The panel shows the description now.
    assert "<td>Nightly backup job</td>" in text(root_client.get("/iam/users/alice/?tab=security_credentials"))
    assert secret not in caplog.text and secret not in session_row(root_client)


def test_done_straight_away_leaves_nothing_to_download(root_client, alice):
    create(root_client)
    root_client.get(ALICE + "retrieve/")
    csrf_post(root_client, ALICE + "retrieve/", {"done": "1"})
    assert csrf_post(root_client, ALICE + "retrieve/", {"download": "csv"}).status_code == 410
    assert "iam_access_key_new" not in root_client.session


def test_without_a_description_no_tag_is_added(root_client, alice):
    assert create(root_client, use_case="other", confirm=False).status_code == 302
    alice.refresh_from_db()
    assert AccessKey.objects.filter(user=alice).count() == 1 and alice.tag_list == []


def test_the_secret_is_kept_for_its_owner_only(root_client, root, alice, bob):
    create(root_client)
    # Bob's retrieve page in the same session shows nothing of alice's key.
    response = root_client.get("/iam/users/bob/access-keys/retrieve/")
    assert response.status_code == 410
    assert AccessKey.objects.get(user=alice).access_key_id not in response.content.decode()
    # Another session of the same caller has nothing either.
    other = signed_in_client(root)
    assert other.get(ALICE + "retrieve/").status_code == 410


def test_posting_step_two_again_creates_no_second_key(root_client, alice):
    create(root_client)
    again = csrf_post(root_client, ALICE + "create/", {"step": "description", "description": "x"})
    assert again.status_code == 302 and again["Location"] == ALICE + "create/"
    assert AccessKey.objects.filter(user=alice).count() == 1
    alice.refresh_from_db()
    assert alice.tag_list == []


@pytest.mark.parametrize("description, message", [
    ("x" * 257, "Member must have length less than or equal to 256"),
    ("<script>", "Member must satisfy regular expression pattern"),
])
def test_a_bad_description_is_refused_in_iams_words_and_nothing_is_created(root_client, alice, description,
                                                                           message):
    response = create(root_client, description=description)
    assert response.status_code == 200
    assert message in text(response) and "at 'description'" in text(response)
    assert not AccessKey.objects.exists()
    # Corrected, the same step creates the key.
    assert csrf_post(root_client, ALICE + "create/", {"step": "description", "description": "ok"}).status_code == 302


def test_a_description_over_the_users_tag_quota_creates_nothing(root_client, alice):
    alice.tags = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    alice.save(update_fields=["tags"])
    response = create(root_client, description="one too many")
    assert response.status_code == 200
    assert "Member must have length less than or equal to 50" in text(response)
    assert not AccessKey.objects.exists()
    alice.refresh_from_db()
    assert len(alice.tag_list) == 50


def test_the_third_key_is_refused_with_iams_limit_exceeded(root_client, alice):
    access_keys.create_access_key(alice)
    access_keys.create_access_key(alice)
    page = text(root_client.get(ALICE + "create/"))
    assert "Cannot exceed quota for AccessKeysPerUser: 2" in page
    assert re.search(r'<button type="submit" class="primary" disabled>Next</button>', page)
    step2 = csrf_post(root_client, ALICE + "create/", {"step": "use_case", "use_case": "other"})
    response = csrf_post(root_client, ALICE + "create/", {"step": "description", "description": ""})
    assert "Set description tag" in text(step2)
    assert response.status_code == 200
    assert "Cannot exceed quota for AccessKeysPerUser: 2" in text(response)
    assert AccessKey.objects.filter(user=alice).count() == 2


# ---------------------------------------------------------------------------
# The root user's own keys


def test_the_root_user_acknowledges_awss_warning_then_gets_the_key(root_client, root):
    page = text(root_client.get(OWN + "create/"))
    assert "<h1>Root user access keys are not recommended</h1>" in page
    assert "We don't recommend that you create root user access keys." in page
    refused = csrf_post(root_client, OWN + "create/", {"step": "use_case"})
    assert "To continue, confirm that you understand the recommendation." in text(refused)
    assert not AccessKey.objects.exists()
    response = csrf_post(root_client, OWN + "create/", {"step": "use_case", "confirm": "on"})
    assert response["Location"] == OWN + "retrieve/"
    key = AccessKey.objects.get(user=root)
    page = root_client.get(OWN + "retrieve/")
    assert shown_secret(page) == access_keys.secret_of(key)
    download = csrf_post(root_client, OWN + "retrieve/", {"download": "csv"})
    assert download["Content-Disposition"] == 'attachment; filename="rootkey.csv"'
    assert csrf_post(root_client, OWN + "retrieve/", {"done": "1"})["Location"] == "/iam/security-credentials/"
    root.refresh_from_db()
    assert root.tag_list == []  # no description for the root user: it has no tags


def test_the_root_user_has_two_keys_at_most(root_client, root):
    for _ in range(2):
        csrf_post(root_client, OWN + "create/", {"confirm": "on"})
    response = csrf_post(root_client, OWN + "create/", {"confirm": "on"})
    assert "Cannot exceed quota for AccessKeysPerUser: 2" in text(response)
    assert AccessKey.objects.filter(user=root).count() == 2


# ---------------------------------------------------------------------------
# Activate / deactivate, delete


def test_deactivate_then_activate(root_client, alice):
    key, _ = access_keys.create_access_key(alice)
    response = csrf_post(root_client, ALICE + "status/", {"access_key_id": key.access_key_id, "status": "Inactive"})
    assert response["Location"] == "/iam/users/alice/?tab=security_credentials"
    key.refresh_from_db()
    assert key.status == "Inactive"
    page = text(root_client.get(response["Location"]))
    assert f"Access key {key.access_key_id} deactivated." in page
    assert ">Activate<span class=\"visually-hidden\"> " + key.access_key_id in page
    csrf_post(root_client, ALICE + "status/", {"access_key_id": key.access_key_id, "status": "Active"})
    key.refresh_from_db()
    assert key.status == "Active"


def test_a_bad_status_is_a_validation_error(root_client, alice):
    key, _ = access_keys.create_access_key(alice)
    response = csrf_post(root_client, ALICE + "status/", {"access_key_id": key.access_key_id, "status": "Gone"})
    assert response.status_code == 400
    assert "Member must satisfy enum value set: [Active, Inactive]" in text(response)


def test_delete_insists_on_deactivating_first_then_typing_the_key_id(root_client, alice):
    key, _ = access_keys.create_access_key(alice)
    kid = key.access_key_id
    page = text(root_client.get(f"{ALICE}delete/?access_key_id={kid}"))
    assert f"<h1>Delete {kid}?</h1>" in page
    assert "Before you can delete an access key, you must deactivate it." in page
    refused = csrf_post(root_client, ALICE + "delete/", {"access_key_id": kid, "confirmation": kid})
    assert "Before you can delete an access key, you must deactivate it." in text(refused)
    assert AccessKey.objects.filter(pk=key.pk).exists()

    deactivated = csrf_post(root_client, ALICE + "status/", {"access_key_id": kid, "status": "Inactive",
                                                             "next": "delete"})
    assert deactivated["Location"] == f"{ALICE}delete/?access_key_id={kid}"
    page = text(root_client.get(deactivated["Location"]))
    assert "To confirm deletion, enter the access key ID in the text input field." in page
    wrong = csrf_post(root_client, ALICE + "delete/", {"access_key_id": kid, "confirmation": "AKIA"})
    assert "The access key ID you entered does not match." in text(wrong)
    assert AccessKey.objects.filter(pk=key.pk).exists()
    done = csrf_post(root_client, ALICE + "delete/", {"access_key_id": kid, "confirmation": kid})
    assert done["Location"] == "/iam/users/alice/?tab=security_credentials"
    assert not AccessKey.objects.filter(pk=key.pk).exists()
    assert f"Access key {kid} deleted." in text(root_client.get(done["Location"]))


def test_a_key_of_another_user_or_none_is_a_404(root_client, alice, bob):
    bobs, _ = access_keys.create_access_key(bob)
    assert root_client.get(f"{ALICE}delete/?access_key_id={bobs.access_key_id}").status_code == 404
    assert csrf_post(root_client, ALICE + "status/", {"access_key_id": bobs.access_key_id,
                                                      "status": "Inactive"}).status_code == 404
    assert root_client.get(f"{ALICE}delete/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.status == "Active"


def test_another_accounts_user_is_a_404(mallory_client, alice):
    key, _ = access_keys.create_access_key(alice)
    for url in ("create/", "retrieve/", f"delete/?access_key_id={key.access_key_id}"):
        assert mallory_client.get(ALICE + url).status_code == 404, url
    for url, data in (("status/", {"access_key_id": key.access_key_id, "status": "Inactive"}),
                      ("delete/", {"access_key_id": key.access_key_id, "confirmation": key.access_key_id}),
                      ("create/", {"step": "use_case", "use_case": "other"})):
        response = csrf_post(mallory_client, ALICE + url, data)
        assert response.status_code == 404 and key.access_key_id not in response.content.decode(), url
    key.refresh_from_db()
    assert key.status == "Active" and AccessKey.objects.count() == 1


# ---------------------------------------------------------------------------
# Authorisation


def test_without_policies_every_page_is_awss_access_denied(alice, bob):
    key, _ = access_keys.create_access_key(bob)
    client = signed_in_client(alice)
    base = "/iam/users/bob/access-keys/"
    for method, url, data, action in [
            ("get", base + "create/", None, "iam:CreateAccessKey"),
            ("post", base + "status/", {"access_key_id": key.access_key_id, "status": "Inactive"},
             "iam:UpdateAccessKey"),
            ("get", f"{base}delete/?access_key_id={key.access_key_id}", None, "iam:DeleteAccessKey"),
            ("get", OWN + "create/", None, "iam:CreateAccessKey")]:
        response = client.get(url) if method == "get" else csrf_post(client, url, data)
        resource = alice.arn if url.startswith(OWN) else bob.arn
        assert response.status_code == 403, url
        assert (f"User: {alice.arn} is not authorized to perform: {action} on resource: {resource} "
                f"because no identity-based policy allows the {action} action") in text(response)
    key.refresh_from_db()
    assert key.status == "Active"


MANAGE_OWN_ACCESS_KEYS = {
    "Sid": "AllowManageOwnAccessKeys", "Effect": "Allow",
    "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey",
               "iam:GetAccessKeyLastUsed"],
    "Resource": "arn:aws:iam::*:user/${aws:username}",
}
VIEW_OWN = {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListMFADevices"],
            "Resource": "arn:aws:iam::*:user/${aws:username}"}


def test_awss_manage_own_credentials_statement_lets_a_user_manage_only_their_own_keys(alice, bob):
    grant(alice, MANAGE_OWN_ACCESS_KEYS, VIEW_OWN)
    client = signed_in_client(alice)
    page = text(client.get("/iam/security-credentials/"))
    assert f'href="{OWN}create/">Create access key</a>' in page
    assert create(client, OWN, use_case="local_code").status_code == 302
    key = AccessKey.objects.get(user=alice)
    assert shown_secret(client.get(OWN + "retrieve/")) == access_keys.secret_of(key)
    # Through the users pages too, for themselves.
    assert client.get(ALICE + "create/").status_code == 200
    csrf_post(client, OWN + "status/", {"access_key_id": key.access_key_id, "status": "Inactive"})
    assert csrf_post(client, OWN + "delete/", {"access_key_id": key.access_key_id,
                                               "confirmation": key.access_key_id}).status_code == 302
    assert not AccessKey.objects.filter(user=alice).exists()
    # Not bob's: arn:aws:iam::<acct>:user/bob is not ${aws:username}.
    denied = client.get("/iam/users/bob/access-keys/create/")
    assert denied.status_code == 403
    assert f"iam:CreateAccessKey on resource: {bob.arn}" in text(denied)


def test_a_description_needs_tag_user_too_and_a_denial_creates_nothing(alice):
    grant(alice, MANAGE_OWN_ACCESS_KEYS, VIEW_OWN)
    client = signed_in_client(alice)
    response = create(client, OWN, description="laptop")
    assert response.status_code == 403
    assert f"is not authorized to perform: iam:TagUser on resource: {alice.arn}" in text(response)
    assert not AccessKey.objects.exists()
    alice.refresh_from_db()
    assert alice.tag_list == []
    # Without a description, the same user creates the key.
    assert csrf_post(client, OWN + "create/", {"step": "description", "description": ""}).status_code == 302


def test_tag_user_is_decided_with_the_request_tag_of_the_key_id(alice):
    """aws:TagKeys is the new key's id: a policy may allow only tag keys that start AKIA."""
    grant(alice, MANAGE_OWN_ACCESS_KEYS, VIEW_OWN,
          {"Effect": "Allow", "Action": "iam:TagUser", "Resource": "arn:aws:iam::*:user/${aws:username}",
           "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": "AKIA*"}}})
    client = signed_in_client(alice)
    assert create(client, OWN, description="laptop").status_code == 302
    key = AccessKey.objects.get(user=alice)
    alice.refresh_from_db()
    assert alice.tag_list == [{"Key": key.access_key_id, "Value": "laptop"}]


def test_the_users_tags_decide_as_aws_resource_tag(alice, bob):
    bob.tags = [{"Key": "team", "Value": "admins"}]
    bob.save(update_fields=["tags"])
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}})
    client = signed_in_client(alice)
    denied = client.get("/iam/users/bob/access-keys/create/")
    assert denied.status_code == 403 and "with an explicit deny" in text(denied)
    assert client.get(ALICE + "create/").status_code == 200
    page = text(client.get("/iam/users/bob/?tab=security_credentials"))
    assert 'data-denied-action="iam:CreateAccessKey"' in page


# ---------------------------------------------------------------------------
# Deleting the user, the dashboard, query bounds


def test_the_consoles_user_delete_removes_the_keys_first(root_client, alice):
    access_keys.create_access_key(alice)
    page = text(root_client.get("/iam/users/alice/delete/"))
    assert "Access keys" in page and AccessKey.objects.get(user=alice).access_key_id in page
    assert csrf_post(root_client, "/iam/users/alice/delete/", {"confirmation": "alice"}).status_code == 302
    assert not AccessKey.objects.exists()


def test_delete_user_without_clean_up_is_delete_conflict_while_keys_exist(alice):
    from iamportal.errors import DeleteConflict

    services.remove_console_access(alice)
    key, _ = access_keys.create_access_key(alice)
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must delete access keys first\.$"):
        services.delete_user(alice, remove_dependents=False)
    access_keys.delete_access_key(key)
    services.delete_user(alice, remove_dependents=False)


def test_the_dashboard_warns_while_the_root_user_has_an_active_key(root_client, root):
    assert "Root user has no active access keys" in text(root_client.get("/iam/"))
    key, _ = access_keys.create_access_key(root)
    page = text(root_client.get("/iam/"))
    assert "Deactivate or delete access keys for root user" in page
    assert "Root user has no active access keys" not in page
    assert 'href="/iam/security-credentials/#access-keys">Manage access keys</a>' in page
    access_keys.update_access_key(key, status="Inactive")
    assert "Root user has no active access keys" in text(root_client.get("/iam/"))


def test_an_iam_users_keys_do_not_trip_the_root_recommendation(root_client, alice):
    access_keys.create_access_key(alice)
    assert "Root user has no active access keys" in text(root_client.get("/iam/"))


def test_the_pages_queries_do_not_grow_with_keys(root_client, root, alice, django_assert_max_num_queries):
    with django_assert_max_num_queries(14) as empty:
        root_client.get("/iam/users/alice/?tab=security_credentials")
    for user in (alice, root):
        access_keys.create_access_key(user)
        access_keys.create_access_key(user)
    with django_assert_max_num_queries(len(empty.captured_queries)):
        root_client.get("/iam/users/alice/?tab=security_credentials")
    with django_assert_max_num_queries(12):
        root_client.get("/iam/security-credentials/")
    with django_assert_max_num_queries(12):
        root_client.get(ALICE + "create/")


def test_a_role_session_has_no_access_keys_of_its_own(alice, account):
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": alice.arn}, "Action": "sts:AssumeRole"}]})
    role = roles.create_role(account, name="Operator", trust_policy=trust)
    grant(alice, MANAGE_OWN_ACCESS_KEYS)
    policy_services.put_role_policy(role, name="all", document=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    client = signed_in_client(alice)
    switched = csrf_post(client, "/switchrole", {"account": account.account_id, "role_name": "Operator"})
    assert switched.status_code == 302
    for url in ("create/", "retrieve/"):
        response = client.get(OWN + url)
        assert response.status_code == 403
        assert "Roles have no long-term credentials" in text(response)
    response = csrf_post(client, OWN + "create/", {"step": "use_case", "use_case": "other"})
    assert response.status_code == 403 and not AccessKey.objects.exists()


def test_the_mfa_pages_which_share_the_subject_mixin_carry_the_users_tags_too(alice, bob):
    bob.tags = [{"Key": "team", "Value": "admins"}]
    bob.save(update_fields=["tags"])
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:EnableMFADevice", "Resource": "*",
           "Condition": {"StringEquals": {"iam:ResourceTag/team": "admins"}}})
    client = signed_in_client(alice)
    denied = client.get("/iam/users/bob/mfa/assign/")
    assert denied.status_code == 403 and "iam:EnableMFADevice" in text(denied)
    assert client.get("/iam/users/alice/mfa/assign/").status_code == 200
