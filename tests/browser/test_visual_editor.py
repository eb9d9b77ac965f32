"""Issue 13, the visual policy editor, in Chromium: the Visual tab beside JSON on every policy
editor. Every access level picked in Visual shows in the JSON and comes back checked; every
condition operator family round-trips; NotAction stays JSON with a note; the ARN builder; a
policy created with the Visual tab alone is saved as built; the SCP and inline editors have
the tab; it fits 390 px; without JavaScript the JSON editor is unchanged."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts import roles
from accounts import services as accounts_services
from organizations import services as org_services
from policies import services as policy_services
from policies.engine import catalogue
from policies.models import ManagedPolicy
from tests.browser import steps

EMAIL, PASSWORD = "visual@coffee.example", "Visual-Editor-2026!"
CREATE = "/iam/policies/create/"


@pytest.fixture
def root(live_server):
    return accounts_services.sign_up(email=EMAIL, password=PASSWORD)


@pytest.fixture
def signed_in(page: Page, root) -> Page:
    steps.sign_in_as_root(page, EMAIL, PASSWORD)
    return page


def editor_json(page: Page) -> dict:
    return json.loads(page.get_by_label("Policy editor").input_value())


def set_json(page: Page, document: dict) -> None:
    page.get_by_role("tab", name="JSON").click()
    page.get_by_label("Policy editor").fill(json.dumps(document, indent=4))


def to_visual(page: Page) -> None:
    page.get_by_role("tab", name="Visual").click()
    expect(page.get_by_role("tab", name="Visual")).to_have_attribute("aria-selected", "true")


def to_json(page: Page) -> None:
    page.get_by_role("tab", name="JSON").click()
    expect(page.get_by_label("Policy editor")).to_be_visible()


def card(page: Page, number: int):
    return page.locator(".ve-card").nth(number - 1)


def choose_service(scope, search: str, name: str) -> None:
    scope.get_by_label("Choose a service").fill(search)
    scope.get_by_role("button", name=name).first.click()


def doc(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def first_action(prefix: str, level: str) -> str:
    return next(a for a in catalogue.actions_for_service(prefix)
                if catalogue.access_level(f"{prefix}:{a}") == level)


def test_every_access_level_round_trips(signed_in: Page):
    page = signed_in
    page.goto(CREATE)
    to_visual(page)
    statement = card(page, 1)
    expect(statement.locator("h3")).to_have_text("Statement 1: Select a service")
    choose_service(statement, "iam", "AWS Identity and Access Management (IAM) iam")
    expect(statement.get_by_label("All AWS Identity and Access Management (IAM) actions (iam:*)")).not_to_be_checked()
    picked = []
    for level in catalogue.ACCESS_LEVELS:
        action = first_action("iam", level)
        group = statement.locator("details.ve-level", has=page.locator("summary", has_text=level))
        group.locator("summary").click()
        group.get_by_role("checkbox", name=action, exact=True).check()
        picked.append(f"iam:{action}")
        expect(group.locator(".ve-count")).to_contain_text("1 of ")
    statement.get_by_role("radio", name="All resources").check()
    to_json(page)
    written = editor_json(page)["Statement"]
    assert len(written) == 1
    assert written[0]["Effect"] == "Allow" and written[0]["Resource"] == "*"
    assert sorted(written[0]["Action"]) == sorted(picked)
    assert "    \"Version\"" in page.get_by_label("Policy editor").input_value()  # 4-space indents

    # Back to Visual from JSON: the same actions checked, and a Deny shown as Deny.
    document = editor_json(page)
    document["Statement"][0]["Effect"] = "Deny"
    set_json(page, document)
    to_visual(page)
    statement = card(page, 1)
    expect(statement.get_by_label("Deny")).to_be_checked()
    expect(statement.get_by_role("group", name="Actions denied")).to_be_visible()
    for action in picked:
        name = action.split(":")[1]
        level = catalogue.access_level(action)
        group = statement.locator("details.ve-level", has=page.locator("summary", has_text=level))
        expect(group.locator(".ve-count")).to_contain_text("1 of ")
        expect(group.get_by_role("checkbox", name=name, exact=True)).to_be_visible()  # open
        expect(group.get_by_role("checkbox", name=name, exact=True)).to_be_checked()
    # Untouched, switching back leaves the text as it was; the tabs answer the arrow keys.
    before = page.get_by_label("Policy editor").input_value()
    page.get_by_role("tab", name="Visual").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="JSON")).to_be_focused()
    expect(page.get_by_role("tab", name="JSON")).to_have_attribute("aria-selected", "true")
    assert page.get_by_label("Policy editor").input_value() == before
    page.keyboard.press("Home")
    expect(page.get_by_role("tab", name="Visual")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="Visual")).to_be_focused()
    to_json(page)


# One value per family, as a person types it in the visual editor, and as IAM reads it.
FAMILY_CONDITIONS = [
    # (qualifier label, operator, if exists, key, values)
    ("Default", "StringLike", False, "s3:prefix", ["home/", "shared/*"]),
    ("Default", "NumericLessThanEquals", False, "s3:max-keys", ["10"]),
    ("Default", "DateGreaterThan", False, "aws:CurrentTime", ["2026-01-01T00:00:00Z"]),
    ("Default", "Bool", False, "aws:SecureTransport", ["true"]),
    ("Default", "BinaryEquals", False, "aws:UserAgent", ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="]),
    ("Default", "NotIpAddress", False, "aws:SourceIp", ["203.0.113.0/24"]),
    ("Default", "ArnLike", False, "aws:SourceArn", ["arn:aws:sns:*:*:receipts"]),
    ("Default", "Null", False, "aws:TokenIssueTime", ["false"]),
    ("Default", "StringEquals", True, "aws:RequestedRegion", ["eu-west-1"]),
    ("For any value in a request", "StringEquals", False, "aws:TagKeys", ["team"]),
    ("For all values in request", "StringLike", False, "aws:PrincipalOrgPaths", ["o-a1b2c3d4e5/*"]),
]
QUALIFIER_PREFIX = {"Default": "", "For any value in a request": "ForAnyValue:",
                    "For all values in request": "ForAllValues:"}


def operator_name(qualifier: str, operator: str, if_exists: bool) -> str:
    return QUALIFIER_PREFIX[qualifier] + operator + ("IfExists" if if_exists else "")


def test_every_condition_operator_family_round_trips(signed_in: Page):
    page = signed_in
    page.goto(CREATE)
    to_visual(page)
    statement = card(page, 1)
    choose_service(statement, "Amazon S3", "Amazon S3 s3")
    read = statement.locator("details.ve-level", has=page.locator("summary", has_text="List"))
    statement.get_by_label("Filter actions").fill("ListBucket")
    read.get_by_role("checkbox", name="ListBucket", exact=True).check()
    statement.get_by_role("radio", name="All resources").check()
    for number, (qualifier, operator, if_exists, key, values) in enumerate(FAMILY_CONDITIONS, 1):
        statement.get_by_role("button", name="Add condition").click()
        row = statement.get_by_role("group", name=f"Condition {number}", exact=True)
        row.get_by_label("Condition key").fill(key)
        row.get_by_label("Qualifier").select_option(label=qualifier)
        row.get_by_label("Operator").select_option(operator)
        if if_exists:
            row.get_by_label("If exists").check()
        row.get_by_label("Value").fill("\n".join(values))
    to_json(page)
    condition = editor_json(page)["Statement"][0]["Condition"]
    expected = {}
    for qualifier, operator, if_exists, key, values in FAMILY_CONDITIONS:
        expected.setdefault(operator_name(qualifier, operator, if_exists), {})[key] = (
            values[0] if len(values) == 1 else values)
    assert condition == expected

    # JSON -> Visual: each condition shown with its key, qualifier, operator and values.
    text = page.get_by_label("Policy editor").input_value()
    to_visual(page)
    statement = card(page, 1)
    rows = statement.locator(".ve-condition")
    expect(rows).to_have_count(len(FAMILY_CONDITIONS))
    shown = []
    for index in range(len(FAMILY_CONDITIONS)):
        row = rows.nth(index)
        shown.append((
            row.get_by_label("Qualifier").evaluate("s => s.options[s.selectedIndex].text"),
            row.get_by_label("Operator").input_value(),
            row.get_by_label("If exists").is_checked(),
            row.get_by_label("Condition key").input_value(),
            row.get_by_label("Value").input_value().split("\n"),
        ))
    assert sorted(shown) == sorted((q, o, e, k, v) for q, o, e, k, v in FAMILY_CONDITIONS)
    to_json(page)
    assert page.get_by_label("Policy editor").input_value() == text

    # An edit in Visual rewrites only what changed: the Numeric value, as typed.
    to_visual(page)
    row = card(page, 1).locator(".ve-condition").nth(1)
    expect(row.get_by_label("Condition key")).to_have_value("s3:max-keys")
    row.get_by_label("Value").fill("25")
    to_json(page)
    condition = editor_json(page)["Statement"][0]["Condition"]
    assert condition["NumericLessThanEquals"] == {"s3:max-keys": "25"}
    assert condition["Bool"] == {"aws:SecureTransport": "true"}


def test_what_it_cannot_express_stays_json_with_a_note(signed_in: Page):
    page = signed_in
    page.goto(CREATE)
    # Invalid JSON: the Visual tab says to fix it first; the JSON tab stays.
    page.get_by_label("Policy editor").fill('{"Version": "2012-10-17", "Statement": [')
    page.get_by_role("tab", name="Visual").click()
    expect(page.get_by_role("alert")).to_contain_text("The policy has JSON syntax errors.")
    expect(page.get_by_role("tab", name="JSON")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Policy editor")).to_be_visible()

    not_action = {"Sid": "EverythingButIAM", "Effect": "Allow", "NotAction": ["iam:*", "organizations:*"],
                  "Resource": "*"}
    two_services = {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}
    wildcard = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}
    plain = {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"],
             "Resource": "arn:aws:s3:::receipts/${aws:username}/*"}
    page.get_by_label("Policy editor").fill(json.dumps(doc(not_action, two_services, wildcard, plain)))
    to_visual(page)
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(card(page, 1)).to_contain_text("This statement uses NotAction, which the visual editor can't show. "
                                          "It is kept as it is: edit it in the JSON tab.")
    expect(card(page, 2)).to_contain_text("several services (s3, sqs)")
    expect(card(page, 3)).to_contain_text('the action pattern "s3:Get*"')
    expect(card(page, 1).locator("pre")).to_contain_text('"NotAction"')
    # The fourth is the visual editor's: a policy variable in its ARN is kept.
    fourth = card(page, 4)
    expect(fourth.locator("h3")).to_have_text("Statement 4: Amazon S3")
    expect(fourth.get_by_text("arn:aws:s3:::receipts/${aws:username}/*")).to_be_visible()
    fourth.get_by_label("Filter actions").fill("PutObject")
    fourth.get_by_role("checkbox", name="PutObject", exact=True).check()
    to_json(page)
    written = editor_json(page)["Statement"]
    assert written[:3] == [not_action, two_services, wildcard]  # verbatim
    assert written[3] == {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                          "Resource": "arn:aws:s3:::receipts/${aws:username}/*"}


def test_the_arn_builder(signed_in: Page, root):
    page = signed_in
    page.goto(CREATE)
    to_visual(page)
    statement = card(page, 1)
    choose_service(statement, "iam", "AWS Identity and Access Management (IAM) iam")
    statement.get_by_label("Filter actions").fill("GetUser")
    statement.get_by_role("checkbox", name="GetUser", exact=True).check()
    statement.get_by_label("Filter actions").fill("GetObject")
    expect(statement.locator("details.ve-level:visible")).to_have_count(0)
    statement.get_by_role("radio", name="Specific").check()
    user = statement.get_by_role("group", name="user", exact=True)
    user.get_by_role("button", name="Add ARN for user").click()
    builder = statement.get_by_role("group", name="Specify ARN for user")
    expect(builder.get_by_label("Account", exact=True)).to_have_value(root.account.account_id)
    builder.get_by_label("UserNameWithPath", exact=True).fill("dev/*")
    expect(builder.locator("output")).to_have_text(f"arn:aws:iam::{root.account.account_id}:user/dev/*")
    builder.get_by_label("Any account").check()
    expect(builder.locator("output")).to_have_text("arn:aws:iam::*:user/dev/*")
    builder.get_by_role("button", name="Add ARNs").click()
    user = statement.get_by_role("group", name="user", exact=True)
    expect(user.get_by_text("arn:aws:iam::*:user/dev/*")).to_be_visible()
    user.get_by_label("Any in this account (user)").check()
    to_json(page)
    assert editor_json(page)["Statement"][0]["Resource"] == [
        "arn:aws:iam::*:user/dev/*", f"arn:aws:iam::{root.account.account_id}:user/*"]
    # JSON -> Visual: both ARNs listed under their resource type.
    to_visual(page)
    user = card(page, 1).get_by_role("group", name="user", exact=True)
    expect(user.get_by_label("Any in this account (user)")).to_be_checked()
    expect(user.locator(".ve-arns li")).to_have_count(2)
    user.get_by_role("button", name="Remove arn:aws:iam::*:user/dev/*").click()
    to_json(page)
    assert editor_json(page)["Statement"][0]["Resource"] == f"arn:aws:iam::{root.account.account_id}:user/*"


def test_a_policy_created_with_the_visual_tab_only(signed_in: Page, root):
    page = signed_in
    page.goto("/iam/policies/")
    page.get_by_role("link", name="Create policy", exact=True).click()
    to_visual(page)
    first = card(page, 1)
    choose_service(first, "dynamodb", "Amazon DynamoDB dynamodb")
    first.get_by_label("Filter actions").fill("GetItem")
    first.get_by_role("checkbox", name="GetItem", exact=True).check()
    first.get_by_role("radio", name="All resources").check()
    page.get_by_role("button", name="Add more permissions").click()
    second = card(page, 2)
    second.get_by_label("Deny").check()
    choose_service(second, "dynamodb", "Amazon DynamoDB dynamodb")
    second.get_by_label("All Amazon DynamoDB actions (dynamodb:*)").check()
    second.get_by_role("radio", name="All resources").check()
    second.get_by_role("button", name="Add condition").click()
    condition = second.get_by_role("group", name="Condition 1", exact=True)
    condition.get_by_label("Condition key").fill("aws:RequestedRegion")
    condition.get_by_label("Operator").select_option("StringNotEquals")
    condition.get_by_label("Value").fill("eu-west-1")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_role("heading", name="Review and create")).to_be_visible()
    page.get_by_label("Policy name").fill("VisualOnly")
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_text("Policy VisualOnly created.")).to_be_visible()
    policy = ManagedPolicy.objects.get(account=root.account, name="VisualOnly")
    assert json.loads(policy.versions.get(is_default=True).document) == doc(
        {"Sid": "Statement1", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"},
        {"Sid": "VisualEditor0", "Effect": "Deny", "Action": "dynamodb:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}},
    )


def test_the_scp_inline_and_edit_editors_have_the_tab_and_it_fits_390_px(signed_in: Page, root):
    page = signed_in
    account = root.account
    org_services.create_organization(account)
    accounts_services.create_user(account, user_name="maria")
    roles.create_role(account, name="Deployer", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.create_policy(account, name="Existing", document=json.dumps(
        doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})))
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ("/organizations/policies/create/", "/iam/users/maria/policies/inline/create/",
                "/iam/roles/Deployer/policies/inline/create/",
                f"/iam/policies/{account.account_id}/Existing/edit/"):
        page.goto(url)
        to_visual(page)
        statement = card(page, 1)
        if "Existing" in url:  # the saved policy's statement, then the service changed
            expect(statement.locator("h3")).to_have_text("Statement 1: Amazon S3")
            statement.get_by_role("button", name="Change service").click()
        choose_service(statement, "ec2", "Amazon EC2 ec2")
        statement.get_by_label("Filter actions").fill("RunInstances")
        statement.get_by_role("checkbox", name="RunInstances", exact=True).check()
        statement.get_by_role("radio", name="Specific").check()
        statement.get_by_role("group", name="instance", exact=True).get_by_role(
            "button", name="Add ARN for instance").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        to_json(page)
        written = json.loads(page.locator("textarea[data-policy-editor]").input_value())
        assert written["Statement"][0]["Action"] == "ec2:RunInstances", url


def test_without_javascript_the_json_editor_is_unchanged(browser: Browser, live_server, root):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        steps.sign_in_as_root(page, EMAIL, PASSWORD)
        page.goto(CREATE)
        expect(page.get_by_role("tab")).to_have_count(0)
        expect(page.get_by_label("Policy editor")).to_be_visible()
        expect(page.locator(".ve-panel")).to_be_hidden()
    finally:
        context.close()


def test_a_resource_type_with_several_arn_formats_offers_each(signed_in: Page):
    page = signed_in
    page.goto(CREATE)
    to_visual(page)
    statement = card(page, 1)
    choose_service(statement, "apigateway", f"{catalogue.service_name('apigateway')} apigateway")
    statement.get_by_label("Filter actions").fill("GET")
    statement.get_by_role("checkbox", name="GET", exact=True).check()
    statement.get_by_role("radio", name="Specific").check()
    rest = statement.get_by_role("group", name="Stage (format 2)", exact=True)
    expect(rest.locator(".ve-format")).to_contain_text("/restapis/${RestApiId}/stages/${StageName}")
    rest.get_by_label("Any (Stage (format 2))").check()
    to_json(page)
    resource = editor_json(page)["Statement"][0]["Resource"]
    assert "/restapis/" in resource and "/stages/" in resource, resource
    # JSON -> Visual: the ARN is found under the format it fits.
    to_visual(page)
    rest = card(page, 1).get_by_role("group", name="Stage (format 2)", exact=True)
    expect(rest.get_by_label("Any (Stage (format 2))")).to_be_checked()
