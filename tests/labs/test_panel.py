"""The trainee side of labs: the Labs page, Start lab, the lab panel beside the console and its
forms (Check my progress, hints, Reset, End), their authorisation (portal actions on the
account's root ARN), stale and foreign input, no-JavaScript flows and the panel's query cost."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from accounts.models import Group, User
from labs import services
from labs.format import Lab, Task
from labs.models import LabRun, TaskProgress
from labs.panel import run_token
from tests.conftest import csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db

ROOT_LAB = "secure-the-root-user"
ADMIN_LAB = "first-administrator"


def text(response) -> str:
    """The page's text, tags removed, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def panel_html(response) -> str:
    match = re.search(r'<aside class="lab-panel".*?</aside>', response.content.decode(), re.S)
    return match.group(0) if match else ""


def task_html(response, task_id: str) -> str:
    """The panel's markup of one task (up to the next task, or the panel's own buttons)."""
    aside = panel_html(response)
    begin = aside.find(f'<li class="lab-task" id="task-{task_id}">')
    assert begin >= 0, f"task {task_id} not in the panel"
    ends = [i for i in (aside.find('<li class="lab-task"', begin + 1), aside.find("lab-panel-actions", begin))
            if i >= 0]
    return aside[begin:min(ends)]


def start(account, slug=ROOT_LAB):
    return services.start_lab(account, slug, started_by=account.root_arn)


def form(run, **extra):
    """What a panel form posts."""
    return {"next": "/iam/users/", "run": run_token(run), **extra}


def follow(client, response):
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"])


# ---------------------------------------------------------------------------
# The Labs page and Start lab


def test_labs_page_lists_the_shipped_labs_with_start(root_client):
    response = root_client.get("/labs/")
    assert response.status_code == 200
    page = text(response)
    assert "Secure the root user" in page and "15 min" in page
    assert "The first administrator IAM user" in page
    assert 'href="/labs/secure-the-root-user/start/"' in response.content.decode()
    assert "deletes every IAM user, group, role and customer managed policy" in page


def test_start_asks_first_naming_what_is_deleted(root_client, account, alice):
    response = root_client.get(f"/labs/{ROOT_LAB}/start/")
    assert response.status_code == 200
    page = text(response)
    assert "Start lab Secure the root user?" in page
    assert f"account {account.account_id}" in page
    assert "now 1 IAM users, 0 groups, 0 roles and 0 customer managed policies" in page
    assert not LabRun.objects.exists()


def test_start_applies_the_lab_and_shows_the_panel(root_client, account, alice):
    response = csrf_post(root_client, f"/labs/{ROOT_LAB}/start/")
    assert response.status_code == 302 and response["Location"] == "/labs/"
    page = root_client.get(response["Location"])
    assert "Lab “Secure the root user” started." in text(page)
    assert not User.objects.filter(pk=alice.pk).exists()  # the starting state wiped alice
    run = LabRun.objects.get(account=account, ended__isnull=True)
    assert run.slug == ROOT_LAB and run.started_by == account.root_arn
    assert "Running" in text(page)
    aside = panel_html(page)
    assert 'aria-label="Lab: Secure the root user"' in aside
    assert "Turn on MFA for the root user" in aside and "Score: 0 of 25 points" in text(page)


def test_starting_another_lab_ends_the_running_one(root_client, account):
    first = start(account)
    assert "The lab running now (secure-the-root-user) ends." in text(root_client.get(f"/labs/{ADMIN_LAB}/start/"))
    csrf_post(root_client, f"/labs/{ADMIN_LAB}/start/")
    first.refresh_from_db()
    assert first.ended is not None
    assert services.run_for(account).slug == ADMIN_LAB


def test_unknown_lab_is_a_404(root_client):
    assert root_client.get("/labs/no-such-lab/start/").status_code == 404
    assert csrf_post(root_client, "/labs/no-such-lab/start/").status_code == 404


def test_a_lab_that_cannot_be_applied_says_why_and_changes_nothing(root_client, account, alice, monkeypatch):
    from labs.format import LabError

    def broken(account, lab, **kwargs):
        raise LabError("labs/data/x.yaml", None, "setup.users[0]", "no such group")

    monkeypatch.setattr("labs.setup.apply", broken)
    page = follow(root_client, csrf_post(root_client, f"/labs/{ROOT_LAB}/start/"))
    assert "The lab could not be started: labs/data/x.yaml: setup.users[0]: no such group" in text(page)
    assert User.objects.filter(pk=alice.pk).exists() and not LabRun.objects.exists()


# ---------------------------------------------------------------------------
# Authorisation: portal actions on arn:aws:iam::<account>:root


def test_iam_user_without_an_allow_is_refused_in_aws_words(alice_client, account):
    response = alice_client.get("/labs/")
    assert response.status_code == 403
    assert (f"is not authorized to perform: labs:ListLabs on resource: arn:aws:iam::{account.account_id}:root"
            in text(response))
    assert csrf_post(alice_client, f"/labs/{ROOT_LAB}/start/").status_code == 403
    assert not LabRun.objects.exists()


def test_iam_user_with_list_only_sees_the_panel_with_its_controls_disabled(alice, account):
    grant(alice, {"Effect": "Allow", "Action": ["labs:ListLabs", "iam:ListUsers"], "Resource": "*"})
    client = signed_in_client(alice)
    labs_page = client.get("/labs/")
    assert labs_page.status_code == 200
    assert re.search(r'<button type="button" class="button" disabled aria-disabled="true" title="[^"]*labs:StartLab',
                     labs_page.content.decode())
    assert 'href="/labs/secure-the-root-user/start/"' not in labs_page.content.decode()
    LabRun.objects.create(account=account, slug=ROOT_LAB)
    aside = panel_html(client.get("/iam/users/"))
    for action in ("labs:CheckProgress", "labs:GetHint", "labs:ResetLab", "labs:EndLab"):
        assert re.search(rf'disabled aria-disabled="true" title="[^"]*{action}', aside), action


def test_iam_user_who_starts_a_lab_is_deleted_by_it_and_signed_out(alice, account):
    # The wipe's removals are authorised too (iam:DeleteUser on alice herself, …).
    grant(alice, {"Effect": "Allow", "Action": "labs:*", "Resource": f"arn:aws:iam::{account.account_id}:root"},
          {"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    client = signed_in_client(alice)
    assert "it is deleted too, and you are signed out" in text(client.get(f"/labs/{ROOT_LAB}/start/"))
    response = csrf_post(client, f"/labs/{ROOT_LAB}/start/")
    assert response.status_code == 302
    assert services.run_for(account).started_by == alice.arn
    assert not User.objects.filter(pk=alice.pk).exists()
    assert client.get("/labs/")["Location"].startswith("/signin/")


def test_iam_user_with_an_allow_checks_and_gets_hints(account, root):
    start(account, ADMIN_LAB)
    bob = account_services.create_user(account, user_name="bob", console_password="Barista-Latte-2026!")
    grant(bob, {"Effect": "Allow", "Action": ["labs:ListLabs", "labs:CheckProgress"],
                "Resource": f"arn:aws:iam::{account.account_id}:root"},
          {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"})
    client = signed_in_client(bob)
    run = services.run_for(account)
    page = client.get("/iam/users/")
    aside = panel_html(page)
    assert "Check my progress" in aside
    # GetHint is not allowed: the hint button is disabled with AWS's reason, and the POST refused.
    assert re.search(r'<button type="button" class="button" disabled aria-disabled="true" title="[^"]*labs:GetHint',
                     aside)
    response = csrf_post(client, f"/labs/runs/{run.pk}/tasks/administrators-group/hint/", form(run, shown="0"))
    assert response.status_code == 403
    assert not TaskProgress.objects.filter(hints_used__gt=0).exists()
    response = csrf_post(client, f"/labs/runs/{run.pk}/tasks/administrators-group/check/", form(run))
    assert response.status_code == 302
    assert TaskProgress.objects.get(run=run, task_id="administrators-group").checked_at is not None


def test_iam_user_without_list_sees_no_panel(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"})
    LabRun.objects.create(account=account, slug=ROOT_LAB)
    response = alice_client.get("/iam/users/")
    assert response.status_code == 200 and panel_html(response) == ""


def test_an_explicit_deny_wins_over_root_style_allow(alice, account):
    grant(alice, {"Effect": "Allow", "Action": ["labs:*", "iam:ListUsers"], "Resource": "*"},
          {"Effect": "Deny", "Action": "labs:ResetLab", "Resource": "*"})
    run = LabRun.objects.create(account=account, slug=ROOT_LAB)
    client = signed_in_client(alice)
    assert client.get(f"/labs/runs/{run.pk}/reset/").status_code == 403
    response = csrf_post(client, f"/labs/runs/{run.pk}/reset/", form(run))
    assert response.status_code == 403 and "explicit deny" in text(response)


# ---------------------------------------------------------------------------
# Check my progress (PRG, no JavaScript)


def test_check_shows_what_is_missing_then_passes_and_the_score_changes(root_client, account):
    run = start(account)
    response = csrf_post(root_client, f"/labs/runs/{run.pk}/tasks/account-alias/check/", form(run))
    assert response["Location"] == "/iam/users/#task-account-alias-result"
    page = root_client.get(response["Location"])
    task = task_html(page, "account-alias")
    assert re.search(r'id="task-account-alias-result" role="status" aria-live="polite"', task)
    assert "Not passed yet." in unescape(task) and "Not passed yet" in task
    failed = TaskProgress.objects.get(run=run, task_id="account-alias")
    assert not failed.passed and failed.checked_at is not None
    message = re.search(r'<ul class="lab-failures"><li>(.*?)</li>', task).group(1)
    assert message.strip()
    # The result is shown once (the next page has none).
    assert "lab-failures" not in task_html(root_client.get("/iam/users/"), "account-alias")

    account_services.set_account_alias(account, "coffee-lab")
    page = follow(root_client, csrf_post(root_client, f"/labs/runs/{run.pk}/tasks/account-alias/check/", form(run)))
    task = task_html(page, "account-alias")
    assert "Passed." in task and "5 points for this task." in task
    assert "Score: 5 of 25 points" in text(page)


def test_check_replayed_after_the_lab_ended_says_so(root_client, account):
    run = start(account)
    token = run_token(run)
    csrf_post(root_client, f"/labs/runs/{run.pk}/end/", form(run))
    response = csrf_post(root_client, f"/labs/runs/{run.pk}/tasks/account-alias/check/",
                         {"next": "/iam/users/", "run": token})
    page = follow(root_client, response)
    assert "This lab has ended" in text(page) and "nothing was done" in text(page)
    assert not TaskProgress.objects.exists()


def test_check_sent_before_a_reset_says_so(root_client, account):
    run = start(account)
    old = form(run)
    services.reset_lab(run)
    page = follow(root_client, csrf_post(root_client, f"/labs/runs/{run.pk}/tasks/account-alias/check/", old))
    assert "This lab was reset since the page was shown: nothing was done." in text(page)
    assert not TaskProgress.objects.exists()


def test_unknown_task_and_another_accounts_run_are_404(root_client, mallory_client, account):
    run = start(account)
    assert csrf_post(root_client, f"/labs/runs/{run.pk}/tasks/no-such-task/check/", form(run)).status_code == 404
    for url in (f"/labs/runs/{run.pk}/tasks/account-alias/check/", f"/labs/runs/{run.pk}/tasks/account-alias/hint/",
                f"/labs/runs/{run.pk}/reset/", f"/labs/runs/{run.pk}/end/"):
        assert csrf_post(mallory_client, url, form(run, shown="0")).status_code == 404, url
    assert mallory_client.get(f"/labs/runs/{run.pk}/reset/").status_code == 404
    assert csrf_post(root_client, "/labs/runs/999999/end/", form(run)).status_code == 404
    assert not TaskProgress.objects.exists() and services.run_for(account) == run


def test_check_is_post_only(root_client, account):
    run = start(account)
    assert root_client.get(f"/labs/runs/{run.pk}/tasks/account-alias/check/").status_code == 405


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_next_elsewhere_returns_to_the_labs_page(root_client, account, target):
    run = start(account)
    response = csrf_post(root_client, f"/labs/runs/{run.pk}/tasks/account-alias/check/",
                         {"next": target, "run": run_token(run)})
    assert response["Location"] == "/labs/#task-account-alias-result"


# ---------------------------------------------------------------------------
# Hints


def test_hints_are_revealed_one_at_a_time_and_counted(root_client, account):
    run = start(account)
    url = f"/labs/runs/{run.pk}/tasks/root-mfa/hint/"
    page = follow(root_client, csrf_post(root_client, url, form(run, shown="0")))
    task = task_html(page, "root-mfa")
    assert "The root user&#x27;s security credentials are under your account name" in task
    assert "Multi-factor authentication (MFA)" not in task
    assert "Hints used: 1 of 2" in task and "Show hint 2 of 2" in task
    # The same press sent twice (a double click, a replayed form): one hint only.
    page = follow(root_client, csrf_post(root_client, url, form(run, shown="0")))
    assert "That hint is already shown" in text(page)
    assert TaskProgress.objects.get(run=run, task_id="root-mfa").hints_used == 1
    page = follow(root_client, csrf_post(root_client, url, form(run, shown="1")))
    task = task_html(page, "root-mfa")
    assert "<strong>Multi-factor authentication (MFA)</strong>" in task and "Show hint" not in task
    page = follow(root_client, csrf_post(root_client, url, form(run, shown="2")))
    assert "This task has no more hints." in text(page)
    assert TaskProgress.objects.get(run=run, task_id="root-mfa").hints_used == 2


# ---------------------------------------------------------------------------
# Reset and End


def test_reset_asks_then_restores_the_starting_state_and_clears_progress(root_client, account):
    run = start(account, ADMIN_LAB)
    account_services.create_group(account, name="Administrators")
    services.check_task(run, "administrators-group")
    services.reveal_hint(run, "administrators-group")
    page = root_client.get(f"/labs/runs/{run.pk}/reset/?next=/iam/users/")
    assert page.status_code == 200 and "Reset lab The first administrator IAM user?" in text(page)
    response = csrf_post(root_client, f"/labs/runs/{run.pk}/reset/", form(run))
    assert response["Location"] == "/iam/users/"
    page = root_client.get("/iam/users/")
    assert "reset to its starting state" in text(page)
    # The check is cleared; the hint revealed stays revealed and counted (the board's numbers).
    kept = TaskProgress.objects.get(run=run)
    assert (kept.task_id, kept.passed, kept.points, kept.checked_at, kept.hints_used) == (
        "administrators-group", False, 0, None, 1)
    task = task_html(page, "administrators-group")
    assert "Not checked" in task and "Hints used: 1 of" in task
    assert not Group.objects.filter(account=account).exists()
    # The same reset sent again (its page was shown before the reset): nothing is done twice.
    again = follow(root_client, csrf_post(root_client, f"/labs/runs/{run.pk}/reset/", form(run)))
    assert "This lab was reset since the page was shown" in text(again)


def test_end_removes_the_panel_and_keeps_the_account(root_client, account):
    run = start(account)
    account_services.set_account_alias(account, "kept-alias")
    page = follow(root_client, csrf_post(root_client, f"/labs/runs/{run.pk}/end/", form(run)))
    assert "Lab “Secure the root user” ended." in text(page) and panel_html(page) == ""
    account.refresh_from_db()
    assert account.alias == "kept-alias"
    page = follow(root_client, csrf_post(root_client, f"/labs/runs/{run.pk}/end/", form(run)))
    assert "This lab had already ended." in text(page)


def test_a_lab_no_longer_shipped_can_still_be_ended(root_client, account):
    run = LabRun.objects.create(account=account, slug="withdrawn-lab")
    page = root_client.get("/iam/users/")
    assert "This lab (withdrawn-lab) is no longer available on this server" in text(page)
    page = follow(root_client, csrf_post(root_client, f"/labs/runs/{run.pk}/tasks/x/check/", form(run)))
    assert "no longer available" in text(page)
    page = follow(root_client, csrf_post(root_client, f"/labs/runs/{run.pk}/end/", form(run)))
    assert "ended" in text(page) and panel_html(page) == ""


# ---------------------------------------------------------------------------
# Safe rendering


def test_instructions_are_escaped_markdown(root_client, account, monkeypatch):
    lab = Lab(slug="evil", title="<b>Evil</b>", summary="s", minutes=5, setup={}, tasks=[
        Task(id="t1", title="<img src=x onerror=alert(1)>", instructions=(
            "Use **bold** and `code` in {account}.\n\n<script>alert(1)</script>\n\n"
            "- [ok](/iam/users/)\n- [bad](javascript:alert(1))\n- [far](https://docs.aws.amazon.com/)"),
            hints=["<i>hint</i>"], points=1, checks=[{"alias_set": True}])])
    monkeypatch.setattr("labs.catalogue.get", lambda slug: lab)
    run = LabRun.objects.create(account=account, slug="evil")
    services.reveal_hint(run, "t1")
    aside = panel_html(root_client.get("/iam/users/"))
    assert "<script>" not in aside and "<img" not in aside and "<i>hint</i>" not in aside and "<b>Evil" not in aside
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in aside and "&lt;i&gt;hint&lt;/i&gt;" in aside
    assert f"<strong>bold</strong> and <code>code</code> in {account.account_id}." in aside
    assert '<a href="/iam/users/">ok</a>' in aside
    assert 'href="javascript' not in aside
    assert '<a href="https://docs.aws.amazon.com/" rel="noopener noreferrer">far</a>' in aside


def test_panel_has_no_inline_script_or_style(root_client, account):
    start(account)
    aside = panel_html(root_client.get("/iam/users/"))
    assert " style=" not in aside and "<style" not in aside and "<script>" not in aside
    assert "onclick" not in aside


# ---------------------------------------------------------------------------
# Query bounds


def labs_queries(client, url: str) -> list[str]:
    client.get(url)  # warm up (last accessed notes the first use)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries if '"labs_' in q["sql"]]


def test_the_panel_costs_one_query_without_a_lab(root_client, account):
    assert len(labs_queries(root_client, "/iam/users/")) == 1


def test_the_panel_costs_two_queries_with_a_lab_whatever_its_progress(root_client, account):
    run = start(account)
    assert len(labs_queries(root_client, "/iam/users/")) == 2
    for task_id in ("root-mfa", "no-root-keys", "account-alias"):
        services.check_task(run, task_id)
        services.reveal_hint(run, task_id)
    assert len(labs_queries(root_client, "/iam/users/")) == 2


def test_a_caller_who_may_not_list_labs_costs_no_labs_query(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"})
    LabRun.objects.create(account=account, slug=ROOT_LAB)
    assert labs_queries(alice_client, "/iam/users/") == []


def test_a_malformed_shipped_lab_does_not_break_the_console(root_client, account, monkeypatch):
    from labs.format import LabError

    run = LabRun.objects.create(account=account, slug=ROOT_LAB)

    def broken(slug):
        raise LabError("labs/data/99-broken.yaml", None, "title", "expected a string")

    monkeypatch.setattr("labs.catalogue.get", broken)
    page = root_client.get("/iam/users/")
    assert page.status_code == 200
    assert "This lab (secure-the-root-user) is no longer available on this server" in text(page)
    follow(root_client, csrf_post(root_client, f"/labs/runs/{run.pk}/end/", form(run)))
    assert services.run_for(account) is None


def test_a_role_session_sees_and_checks_the_lab_of_the_account_it_works_in(alice_client, alice, mallory):
    """An instructor who switches into a trainee's account sees the trainee's lab panel: the panel
    follows the account the caller works in, and the role's policies decide."""
    from accounts import roles
    from policies import services as policy_services

    trainee = mallory.account
    run = start(trainee)
    role = roles.create_role(trainee, name="Trainer", trust_policy=roles.account_trust_policy(alice.account.account_id))
    policy_services.put_role_policy(role, name="labs", document=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["labs:*", "iam:ListUsers"],'
        ' "Resource": "*"}]}'))
    grant(alice, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role.arn})
    assert panel_html(alice_client.get("/iam/users/")) == ""  # alice's own account runs no lab
    assert csrf_post(alice_client, "/switchrole", {"account": trainee.account_id, "role_name": "Trainer"}).status_code == 302
    assert 'aria-label="Lab: Secure the root user"' in panel_html(alice_client.get("/iam/users/"))
    follow(alice_client, csrf_post(alice_client, f"/labs/runs/{run.pk}/tasks/account-alias/check/", form(run)))
    assert TaskProgress.objects.get(run=run, task_id="account-alias").checked_at is not None
