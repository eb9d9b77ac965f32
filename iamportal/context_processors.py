"""Context every console page needs: the caller's identity and the navigation."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

# (label, url name, IAM action that opening it needs, section)
NAVIGATION = [
    ("Dashboard", "iamportal:dashboard", "iam:GetAccountSummary", None),
    ("User groups", "accounts:group_list", "iam:ListGroups", "Access management"),
    ("Users", "accounts:user_list", "iam:ListUsers", "Access management"),
    ("Roles", "accounts:role_list", "iam:ListRoles", "Access management"),
    ("Policies", "policies:policy_list", "iam:ListPolicies", "Access management"),
    ("Account settings", "accounts:account_settings", "iam:GetAccountPasswordPolicy", "Access management"),
]


def console(request):
    identity = getattr(request, "iam", None)
    if identity is None:
        return {}
    items = []
    for label, name, action, section in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # that part of the console is not installed
        items.append({"label": label, "url": url, "action": action, "section": section,
                      "active": request.path == url if name == "iamportal:dashboard" else request.path.startswith(url)})
    return {"iam": identity, "navigation": items}
