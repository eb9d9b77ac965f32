"""Context every console page needs: the caller's identity and the navigation.

Each navigation item names the IAM action (and the resource) its page authorises, the
same as the page's view (``tests/policies/test_navigation.py`` keeps the two in sync).
The items the caller may not open are shown greyed, with AWS's AccessDenied message,
instead of as links that would end on a 403 page. The caller's policy set is loaded
once per request and cached on ``request.iam``, so the checks cost no query beyond
that first load, and the items are computed once per request however many templates
render.
"""

from __future__ import annotations

from typing import NamedTuple

from django.urls import reverse

from policies.authz import authorize, simulator_subject


class NavItem(NamedTuple):
    """One entry of the IAM navigation.

    Attributes:
        label: what the menu says.
        url_name: the page.
        action: the IAM action that opening the page needs (the view's ``iam_action``).
        section: the heading it sits under, or None.
        resource: the resource the page authorises, relative to the caller's account
            (``"user/"`` → ``arn:aws:iam::<account>:user/``), or ``"*"``.
    """

    label: str
    url_name: str
    action: str
    section: str | None
    resource: str = "*"


NAVIGATION = [
    NavItem("Dashboard", "iamportal:dashboard", "iam:GetAccountSummary", None),
    NavItem("User groups", "accounts:group_list", "iam:ListGroups", "Access management", "group/"),
    NavItem("Users", "accounts:user_list", "iam:ListUsers", "Access management", "user/"),
    NavItem("Roles", "accounts:role_list", "iam:ListRoles", "Access management", "role/"),
    NavItem("Policies", "policies:policy_list", "iam:ListPolicies", "Access management"),
    NavItem("Account settings", "accounts:account_settings", "iam:ListAccountAliases", "Access management"),
    NavItem("Credential report", "accounts:credential_report", "iam:GetCredentialReport", "Access reports"),
    NavItem("Event history", "audit:event_history", "cloudtrail:LookupEvents", "Access reports"),
    NavItem("Policy simulator", "policies:simulator", "iam:SimulatePrincipalPolicy", "Tools", "@self"),
    NavItem("Labs", "labs:lab_list", "labs:ListLabs", "Tools", "root"),
    NavItem("AWS Organizations", "organizations:organization_detail", "organizations:DescribeOrganization",
            "Related consoles"),
]


def item_resource(request, item: NavItem) -> str:
    """The ARN the item's page authorises for the caller of ``request``.

    ``"@self"`` is the caller's own user (or, in a role session, role): the policy
    simulator opens with the caller preselected (:func:`policies.authz.simulator_subject`).
    """
    if item.resource == "@self":
        return simulator_subject(request)
    if item.resource == "*":
        return "*"
    return request.iam.account.arn(item.resource)


def item_action(identity, item: NavItem) -> str:
    """The action the item's page authorises (the simulator without a principal to
    preselect, as for root, simulates custom policies)."""
    if item.resource == "@self" and identity.principal_type == "Account":
        return "iam:SimulateCustomPolicy"
    return item.action


def navigation_for(request) -> list[dict]:
    """The navigation of ``request``: each item with ``allowed``, and ``denied`` (the
    Authorization, for its message) when the caller may not open it. Computed once per
    request."""
    cached = getattr(request, "_iam_navigation", None)
    if cached is not None:
        return cached
    identity = request.iam
    items = []
    for item in NAVIGATION:
        url = reverse(item.url_name)
        auth = authorize(request, item_action(identity, item), item_resource(request, item))
        items.append({"label": item.label, "url": url, "action": auth.action, "resource": auth.resource,
                      "section": item.section, "active": False, "allowed": auth.allowed,
                      "denied": None if auth else auth})
    # The current item: the dashboard on its own page only, else the longest URL the path
    # starts with (on /iam/policies/simulator/ that is the simulator, not Policies).
    current = [entry for entry, item in zip(items, NAVIGATION, strict=True)
               if (request.path == entry["url"] if item.url_name == "iamportal:dashboard"
                   else request.path.startswith(entry["url"]))]
    if current:
        max(current, key=lambda entry: len(entry["url"]))["active"] = True
    request._iam_navigation = items
    return items


def self_links_for(request) -> list[dict]:
    """The caller's links to its own settings (identity menu, Console Home), decided like
    the navigation: a link the caller's policies refuse has ``allowed`` false and ``denied``
    set, and is shown greyed. A role session has neither security credentials nor a
    password of its own; Switch role is governed by the role's trust policy, not here."""
    cached = getattr(request, "_iam_self_links", None)
    if cached is not None:
        return cached
    identity = request.iam
    links = []
    if identity.role_session is None:
        for label, url_name, action in (("Security credentials", "accounts:security_credentials", "iam:ListMFADevices"),
                                        ("Change password", "accounts:password_change", "iam:ChangePassword")):
            auth = authorize(request, action, identity.user.arn)
            links.append({"label": label, "url": reverse(url_name), "action": action, "allowed": auth.allowed,
                          "denied": None if auth else auth})
    if not identity.is_root:
        links.append({"label": "Switch role", "url": reverse("accounts:switch_role"), "action": "sts:AssumeRole",
                      "allowed": True, "denied": None})
    request._iam_self_links = links
    return links


def console(request):
    identity = getattr(request, "iam", None)
    if identity is None:
        return {}
    return {"iam": identity, "navigation": navigation_for(request), "self_links": self_links_for(request)}
