"""Forms of the role pages: the create-role wizard's three steps, the summary, trust
policy and tag editors, deletion, and Switch Role.

Forms validate and normalise; saving is :mod:`accounts.roles`'s job. IAM's own
messages (``1 validation error detected: …``, ``Role with name … already exists.``,
``Cannot exceed quota for ACLSizePerRole: 2048``) become field errors.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from iamportal.errors import IAMError

from . import quotas, roles, validators
from .models import Role
from .role_sessions import COLOURS
from .tags import TagRowsMixin

# ---------------------------------------------------------------------------
# Shared pieces


def finding_text(finding: Any) -> str:
    """``Line 3, column 9: <message>`` for a validator finding."""
    location = getattr(finding, "location", None)
    where = f"Line {location.line}, column {location.column}: " if location is not None else ""
    detail = f" {finding.detail}" if getattr(finding, "detail", "") else ""
    return f"{where}{finding.message}{detail}"


def trust_policy_errors(text: str) -> tuple[list[str], list[Any]]:
    """(error texts, other findings) of a trust policy, size quota included."""
    findings = roles.trust_policy_findings(text)
    errors = [finding_text(f) for f in findings if f.level == "ERROR"]
    return errors, [f for f in findings if f.level != "ERROR"]


class TrustPolicyField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "mono"}))
        kwargs.setdefault("max_length", 131072)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)


# ---------------------------------------------------------------------------
# Create role wizard (iam-facts §8.3)

ENTITY_TYPES = [
    ("aws_service", "AWS service"),
    ("aws_account", "AWS account"),
    ("web_identity", "Web identity"),
    ("saml", "SAML 2.0 federation"),
    ("custom", "Custom trust policy"),
]
ENTITY_TYPE_HELP = {
    "aws_service": "Allow AWS services like EC2, Lambda, or others to perform actions in this account.",
    "aws_account": "Allow entities in other AWS accounts belonging to you or a 3rd party to perform "
                   "actions in this account.",
    "web_identity": "Allows users federated by the specified external web identity provider to assume "
                    "this role to perform actions in this account.",
    "saml": "Allow users federated with SAML 2.0 from a corporate directory to perform actions in this account.",
    "custom": "Create a custom trust policy to enable others to perform actions in this account.",
}
_EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]*", re.ASCII)
_PROVIDER_NAME_RE = re.compile(r"[\w._-]+", re.ASCII)


class TrustedEntityForm(forms.Form):
    """Step 1, Select trusted entity: one tile, its options, and the trust policy they make."""

    entity_type = forms.ChoiceField(label="Trusted entity type", choices=ENTITY_TYPES, widget=forms.RadioSelect,
                                    initial="aws_service")
    use_case = forms.ChoiceField(label="Service or use case", required=False, initial="ec2",
                                 choices=[(case.key, case.label) for case in roles.SERVICE_USE_CASES])
    account_choice = forms.ChoiceField(label="An AWS account", required=False, initial="this",
                                       widget=forms.RadioSelect)
    other_account_id = forms.CharField(label="Account ID", required=False, max_length=12,
                                       help_text="Identifier of the account that can use this role (12 digits).")
    require_external_id = forms.BooleanField(
        label="Require external ID (Best practice when a third party will assume this role)", required=False)
    external_id = forms.CharField(label="External ID", required=False, max_length=1224,
                                  help_text="Roles that require an external ID cannot be used with Switch Role "
                                            "in the console.")
    require_mfa = forms.BooleanField(label="Require MFA", required=False,
                                     help_text="Requires that the assuming entity use multi-factor authentication.")
    web_provider = forms.ChoiceField(label="Identity provider", required=False, initial="google",
                                     choices=[(p.key, p.label) for p in roles.WEB_IDENTITY_PROVIDERS])
    audience = forms.CharField(label="Audience (client ID, application ID or identity pool ID)", required=False,
                               max_length=255)
    saml_provider = forms.CharField(label="SAML 2.0-based provider name", required=False, max_length=128)
    saml_access = forms.ChoiceField(label="Access to be allowed", required=False, initial="console",
                                    widget=forms.RadioSelect, choices=[
                                        ("programmatic", "Allow programmatic access only"),
                                        ("console", "Allow programmatic and AWS Management Console access"),
                                    ])
    saml_attribute = forms.ChoiceField(label="Attribute", required=False,
                                       choices=[(a, a) for a in roles.SAML_ATTRIBUTES])
    saml_value = forms.CharField(label="Value", required=False, max_length=255)
    custom_policy = TrustPolicyField(label="Custom trust policy", required=False)

    def __init__(self, *args: Any, account: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        account_id = account.account_id if account is not None else ""
        self.fields["account_choice"].choices = [("this", f"This account ({account_id})"),
                                                 ("another", "Another AWS account")]
        if not self.is_bound or not self.data.get(self.add_prefix("custom_policy")):
            self.fields["custom_policy"].initial = roles.custom_trust_template()
        self.findings: list[Any] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("entity_type")
        builder = getattr(self, f"_trust_{kind}", None)
        if builder is None:
            return data
        policy = builder(data)
        if policy is None or self.errors:
            return data
        errors, self.findings = trust_policy_errors(policy)
        for error in errors:
            self.add_error("custom_policy" if kind == "custom" else None, error)
        data["trust_policy"] = policy
        return data

    def _trust_aws_service(self, data: dict[str, Any]) -> str | None:
        case = roles.USE_CASES_BY_KEY.get(data.get("use_case") or "")
        if case is None:
            self.add_error("use_case", "Choose a service or use case.")
            return None
        data["default_description"] = case.description
        return roles.service_trust_policy(case.principal)

    def _trust_aws_account(self, data: dict[str, Any]) -> str | None:
        account_id = self.account.account_id
        if data.get("account_choice") == "another":
            account_id = (data.get("other_account_id") or "").strip()
            if not re.fullmatch(r"\d{12}", account_id):
                self.add_error("other_account_id", "Enter a 12-digit account ID.")
                return None
        external_id = ""
        if data.get("require_external_id"):
            external_id = (data.get("external_id") or "").strip()
            if not 2 <= len(external_id) <= 1224 or not _EXTERNAL_ID_RE.fullmatch(external_id):
                self.add_error("external_id", "The external ID must be 2 to 1224 characters of letters, digits "
                                              "and + = , . @ : / -")
                return None
        return roles.account_trust_policy(account_id, external_id=external_id,
                                          require_mfa=bool(data.get("require_mfa")))

    def _trust_web_identity(self, data: dict[str, Any]) -> str | None:
        provider = roles.PROVIDERS_BY_KEY.get(data.get("web_provider") or "")
        audience = (data.get("audience") or "").strip()
        if provider is None:
            self.add_error("web_provider", "Choose an identity provider.")
            return None
        if not audience:
            self.add_error("audience", f"Enter the {provider.audience_label.lower()}.")
            return None
        return roles.web_identity_trust_policy(provider, audience)

    def _trust_saml(self, data: dict[str, Any]) -> str | None:
        name = (data.get("saml_provider") or "").strip()
        if not _PROVIDER_NAME_RE.fullmatch(name):
            self.add_error("saml_provider", "Enter the SAML provider's name (letters, digits, . _ -).")
            return None
        console = data.get("saml_access") != "programmatic"
        value = (data.get("saml_value") or "").strip()
        if not console and not value:
            self.add_error("saml_value", "Enter the value the attribute must have.")
            return None
        return roles.saml_trust_policy(self.account.account_id, name, console_access=console,
                                       attribute=data.get("saml_attribute") or "SAML:aud", value=value)

    def _trust_custom(self, data: dict[str, Any]) -> str | None:
        text = data.get("custom_policy") or ""
        if not text.strip():
            self.add_error("custom_policy", "Enter a trust policy.")
            return None
        return text


class RolePermissionsForm(forms.Form):
    """Step 2, Add permissions: managed policies (a role has none by default; at most 10)
    and an optional permissions boundary."""

    def __init__(self, *args: Any, account: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from policies.forms import BoundaryArnField, PolicyArnsField

        self.fields["policy_arns"] = PolicyArnsField(account)
        self.fields["permissions_boundary"] = BoundaryArnField(account)

    def clean_policy_arns(self) -> list[str]:
        arns = self.cleaned_data["policy_arns"]
        if len(arns) > 10:
            raise forms.ValidationError("Cannot exceed quota for PoliciesPerRole: 10", code="too_many")
        return arns


class RoleDetailsForm(TagRowsMixin, forms.Form):
    """Step 3, Name, review, and create: name, description, tags (the one tag editor's rows)."""

    name = forms.CharField(label="Role name", max_length=quotas.ROLE_NAME_MAX + 1,
                           help_text="Maximum 64 characters. Use alphanumeric and '+=,.@-_' characters.")
    description = forms.CharField(label="Description", required=False, max_length=1001, strip=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="Maximum 1000 characters.")

    def __init__(self, *args: Any, account: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        try:
            roles.check_new_role_name(self.account, name)
        except IAMError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return name

    def clean_description(self) -> str:
        description = self.cleaned_data.get("description", "")
        try:
            roles.validate_description(description)
        except IAMError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return description


# ---------------------------------------------------------------------------
# Role detail editors

DURATION_PRESETS = [(3600, "1 hour"), (7200, "2 hours"), (14400, "4 hours"), (28800, "8 hours"),
                    (43200, "12 hours")]


class RoleSummaryForm(forms.Form):
    """Edit the role's summary: description and maximum session duration (1-12 hours)."""

    description = forms.CharField(label="Description", required=False, max_length=1001, strip=False,
                                  widget=forms.Textarea(attrs={"rows": 3}), help_text="Maximum 1000 characters.")
    duration = forms.ChoiceField(label="Maximum session duration", choices=[
        *[(str(seconds), label) for seconds, label in DURATION_PRESETS], ("custom", "Custom duration")])
    custom_seconds = forms.IntegerField(label="Custom duration (seconds)", required=False,
                                        help_text="3600 to 43200 seconds (1 to 12 hours).")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choice = data.get("duration")
        if choice == "custom":
            seconds = data.get("custom_seconds")
            if seconds is None:
                self.add_error("custom_seconds", "Enter the duration in seconds.")
                return data
        elif choice:
            seconds = int(choice)
        else:
            return data
        try:
            roles.validate_max_session_duration(seconds)
            roles.validate_description(data.get("description", ""))
        except IAMError as exc:
            self.add_error(None, exc.message)
            return data
        data["max_session_duration"] = seconds
        return data

    @classmethod
    def initial_for(cls, role: Role) -> dict[str, Any]:
        presets = {seconds for seconds, _ in DURATION_PRESETS}
        if role.max_session_duration in presets:
            return {"description": role.description, "duration": str(role.max_session_duration)}
        return {"description": role.description, "duration": "custom",
                "custom_seconds": role.max_session_duration}


class TrustPolicyForm(forms.Form):
    """Edit trust policy: the JSON editor, validated as kind ``trust`` with line:column findings."""

    policy = TrustPolicyField(label="Trust policy")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.findings: list[Any] = []

    def clean_policy(self) -> str:
        text = self.cleaned_data["policy"]
        errors, self.findings = trust_policy_errors(text)
        if errors:
            raise forms.ValidationError(errors)
        return text


class RoleDeleteForm(forms.Form):
    """The console's delete confirmation: type the role's name."""

    confirmation = forms.CharField(label="To confirm deletion, enter the role name in the text input field.",
                                   max_length=quotas.ROLE_NAME_MAX)

    def __init__(self, *args: Any, role: Role, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role = role

    def clean_confirmation(self) -> str:
        value = self.cleaned_data["confirmation"]
        if value.strip() != self.role.name:
            raise forms.ValidationError(f"Enter the role name {self.role.name} to confirm.", code="mismatch")
        return value


# ---------------------------------------------------------------------------
# Switch role (iam-facts §8.7)


class SwitchRoleForm(forms.Form):
    """Account, role name (with path), display name and colour, as the console asks."""

    account = forms.CharField(label="Account ID", max_length=63,
                              help_text="The 12-digit account ID or the account alias.")
    role_name = forms.CharField(label="IAM role name", max_length=quotas.ROLE_NAME_MAX + 1,
                                help_text="Include the path if the role has one (path/RoleName).")
    display_name = forms.CharField(label="Display name - optional", required=False, max_length=64,
                                   help_text="Shown in the navigation bar. Default: RoleName @ Account.")
    colour = forms.ChoiceField(label="Display color - optional", required=False, choices=COLOURS,
                               widget=forms.RadioSelect)
    # Only offered from a role session: the console uses the user's credentials; the
    # session's own credentials make it role chaining (one hour at most).
    chain = forms.ChoiceField(label="Switch using", required=False, initial="user", widget=forms.RadioSelect,
                              choices=[("user", "Your IAM user's credentials, as the AWS console does"),
                                       ("session", ("This role session's credentials (role chaining, "
                                                    "as the AWS CLI does; 1 hour at most)"))])

    def clean_role_name(self) -> str:
        value = self.cleaned_data["role_name"].strip()
        path, name = roles.split_role_reference(value)
        if len(value.strip("/")) > roles.SWITCH_ROLE_NAME_MAX:
            raise forms.ValidationError("The role name, including its path, must be at most 64 characters.")
        try:
            validators.validate_name_and_path(name, "roleName", quotas.ROLE_NAME_MAX, path)
        except IAMError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return value.strip("/")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role_name") and data.get("account") and not data.get("display_name"):
            _, name = roles.split_role_reference(data["role_name"])
            data["display_name"] = f"{name} @ {data['account'].strip()}"
        return data

    @classmethod
    def from_link(cls, params: Any) -> SwitchRoleForm:
        """An unbound form prefilled from AWS's link parameters
        (``account``, ``roleName``, ``displayName``, ``color``)."""
        from .role_sessions import normalise_colour

        return cls(initial={
            "account": params.get("account", "")[:63],
            "role_name": params.get("roleName", "")[:65],
            "display_name": params.get("displayName", "")[:64],
            "colour": normalise_colour(params.get("color")),
        })


# ---------------------------------------------------------------------------
# A role's inline policies


def role_inline_policy_form(*args: Any, **kwargs: Any) -> Any:
    """The policies app's inline-policy editor, for a role: one inline policy may exceed the
    6,144 characters of a managed policy, because a role's inline quota is the sum of its
    inline policies (10,240), which ``policies.services.put_role_policy`` checks."""
    from policies.forms import InlinePolicyForm

    class RoleInlinePolicyForm(InlinePolicyForm):
        def clean_document(self) -> str:
            try:
                return super().clean_document()
            except forms.ValidationError:
                errors = [f for f in self.findings if f.level == "ERROR"]
                if not errors or any(f.code != "POLICY_SIZE_EXCEEDED" for f in errors):
                    raise
                self.findings = [f for f in self.findings if f.code != "POLICY_SIZE_EXCEEDED"]
                return self.cleaned_data["document"]

    return RoleInlinePolicyForm(*args, **kwargs)
