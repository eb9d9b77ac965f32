"""Custom policy checks in the console (IAM Access Analyzer's CheckNoNewAccess,
CheckAccessNotGranted, CheckNoPublicAccess), decided by policies.engine.custom_checks.

- ``/iam/policies/<owner>/<name>/checks/``: "Check for new access" against a previous
  version of the policy or another managed policy, and "Check that these actions or
  resources are not granted", on the policy's default version.
- ``/iam/roles/<name>/trust/checks/``: "Check for public access" (and the listed actions
  check) on the role's trust policy, a resource policy.
- ``/iam/{users,groups,roles}/<name>/policies/inline/<policy>/checks/``: "Check for new
  access" against a managed policy or a pasted JSON document (an inline policy has no
  versions), and the listed actions check, on an inline policy.

A check is a GET form (it changes nothing, so the result is a link to share); "Check for
new access" is also accepted as a POST, for a pasted reference document too long for a
URL. Each run authorises what the console's call does: the ``access-analyzer:Check*``
action on ``*`` and, for every document it reads, ``iam:GetPolicy``/``iam:GetPolicyVersion``
(the role's page is already behind ``iam:GetRole``, an inline policy's behind
``iam:Get{User,Group,Role}Policy``). Bad input is a 400 with the reason; a reference policy
the account cannot see is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse
from django.views.generic import TemplateView

from accounts import tags
from accounts.views.roles import RoleMixin
from iamportal.views_base import get_or_404
from iamportal.errors import IAMError, InvalidInput
from policies.authz import access_denied, first_denied
from policies.engine import PolicyError, check_access_not_granted, check_no_new_access
from policies.engine import check_no_public_access

from .. import services
from ..models import ManagedPolicy
from .entity import EntityMixin
from .managed import PolicyObjectMixin

ACTIONS = {
    "new": "access-analyzer:CheckNoNewAccess",
    "granted": "access-analyzer:CheckAccessNotGranted",
    "public": "access-analyzer:CheckNoPublicAccess",
}
TRUST_RESOURCE_TYPE = "AWS::IAM::AssumeRolePolicyDocument"
#: What the textareas may hold: Access Analyzer takes at most 100 actions and 100 resources.
MAX_FIELD = 20_000
#: The customer managed policies offered as references (IAM's quota per account).
MAX_REFERENCES = 1_500
#: A pasted reference document: the largest policy document IAM stores is 10,240
#: characters (a role's inline policies); whitespace brings some more.
MAX_PASTED = 20_000


class CheckRefused(Exception):
    """A check that cannot run: the response (an AccessDenied page) is ready."""

    def __init__(self, response: Any) -> None:
        super().__init__("refused")
        self.response = response


def listed(text: str) -> list[str]:
    """The values of a textarea: one per line (commas separate too), blanks dropped."""
    if len(text) > MAX_FIELD:
        raise InvalidInput(f"Enter at most {MAX_FIELD} characters.")
    return [value.strip() for line in text.splitlines() for value in line.split(",")
            if value.strip()]


def reasons_with_statements(result: Any, document: str) -> list[dict[str, Any]]:
    """The result's reasons, each with its statement's JSON to show."""
    statements = json.loads(document).get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    return [{**reason, "json": json.dumps(items[reason["statementIndex"]], indent=2)}
            for reason in result.reasons]


class ChecksMixin:
    """Runs the check the query string names, if any, and shows its answer.

    Subclasses say which checks they offer, the document checked and how each check runs
    (:meth:`prepare`)."""

    offered: tuple[str, ...] = ()

    @property
    def params(self):
        """The check's inputs: the query string, or the form of a POST."""
        return self.request.POST if self.request.method == "POST" else self.request.GET

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        status = 200
        check = self.params.get("check", "")
        if check:
            try:
                context.update(self.outcome(check))
            except CheckRefused as refused:
                return refused.response
            except IAMError as error:
                context["check_error"] = error.message
                status = error.status
            context["check"] = check
        context["values"] = {key: self.params.get(key, "") for key in
                             ("against", "reference", "reference_json", "actions", "resources")}
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        """A check posted (a pasted reference document): the same as its GET."""
        return self.get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["references"] = list(
            ManagedPolicy.objects.for_account(self.request.iam.account)
            .exclude(pk=getattr(getattr(self, "policy", None), "pk", None)).order_by("name")
            .values_list("name", flat=True)[:MAX_REFERENCES])
        return context

    def outcome(self, check: str) -> dict[str, Any]:
        """Authorise the call and what it reads, then run the check."""
        if check not in self.offered:
            raise InvalidInput("Choose one of the checks on this page.")
        self.authorize([(ACTIONS[check], "*", {}), *self.document_calls()])
        calls, perform = self.prepare(check)
        self.authorize(calls)
        result = perform()
        return {"result": result,
                "reasons": reasons_with_statements(result, self.checked_document())}

    def authorize(self, calls: list[tuple[str, str, dict[str, Any]]]) -> None:
        denied = first_denied(self.request, calls)
        if denied is not None:
            raise CheckRefused(access_denied(self.request, denied))

    def run(self, call, *args, **kwargs):
        """Run an engine check; its refusals (bad documents or arguments) are InvalidInput."""
        try:
            return call(*args, **kwargs)
        except PolicyError as error:
            raise InvalidInput(f"The policy can't be checked: {error}") from None
        except ValueError as error:
            raise InvalidInput(str(error)) from None

    def granted(self):
        """CheckAccessNotGranted on the listed actions and resources (nothing more to read)."""
        actions = listed(self.params.get("actions", ""))
        resources = listed(self.params.get("resources", ""))
        return [], lambda: self.run(check_access_not_granted, self.checked_document(),
                                    actions, resources)

    def reference(self):
        """The reference of "Check for new access" that the form names (``against``:
        ``policy`` for a managed policy by name or ARN, ``json`` for a pasted document):
        the calls reading it makes, and a function returning its document (to call once
        they are allowed). None when ``against`` names neither."""
        against = self.params.get("against", "")
        if against == "json":
            text = self.params.get("reference_json", "")
            if len(text) > MAX_PASTED:
                raise InvalidInput(f"Enter a reference policy of at most {MAX_PASTED} characters.")
            if not text.strip():
                raise InvalidInput("Paste the JSON policy document to compare with.")
            return [], lambda: text
        if against != "policy":
            return None
        reference = self.reference_policy(self.params.get("reference", "").strip())
        keys = tags.resource_tag_context(reference)
        calls = [("iam:GetPolicy", reference.arn, keys),
                 ("iam:GetPolicyVersion", reference.arn, keys)]
        return calls, lambda: services.default_version(reference).document

    def reference_policy(self, reference: str) -> ManagedPolicy:
        """The policy named by ARN, or by name (the account's first, then AWS managed)."""
        account = self.request.iam.account
        if not reference:
            raise InvalidInput("Enter the name or ARN of the policy to compare with.")
        if reference.startswith("arn:"):
            return services.get_policy(account, reference)
        found = (ManagedPolicy.objects.for_account(account).filter(name=reference).first()
                 or ManagedPolicy.objects.aws_managed().filter(name=reference).first())
        if found is None:
            return services.get_policy(account, reference)  # NoSuchEntity in IAM's words
        return found

    def new_access(self, existing):
        """CheckNoNewAccess of the checked document against ``existing()``."""
        return lambda: self.run(check_no_new_access, self.checked_document(), existing(),
                                "identity")

    def document_calls(self) -> list[tuple[str, str, dict[str, Any]]]:
        return []

    def checked_document(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def prepare(self, check: str):  # pragma: no cover - abstract
        """The calls a check makes besides the first ones, and the check itself: a
        function returning its CheckResult. Raises IAMError for bad input."""
        raise NotImplementedError


class PolicyChecksView(ChecksMixin, PolicyObjectMixin, TemplateView):
    """A managed policy's "Check policy" tab: new access, listed actions/resources."""

    template_name = "policies/policy_checks.html"
    iam_action = "iam:GetPolicy"
    tab = "checks"
    offered = ("new", "granted")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["previous_versions"] = [v for v in self.versions if not v.is_default]
        context["crumb"] = "Check policy"
        return context

    def document_calls(self):
        return [("iam:GetPolicyVersion", self.policy.arn, self.get_condition_context())]

    def checked_document(self) -> str:
        version = self.default_version
        if version is None:
            raise InvalidInput("The policy has no default version to check.")
        return version.document

    def prepare(self, check: str):
        if check == "granted":
            return self.granted()
        chosen = self.reference()
        if chosen is not None:
            calls, existing = chosen
            return calls, self.new_access(existing)
        against = self.params.get("against", "")
        version = next((v for v in self.versions
                        if v.version_id == against and not v.is_default), None)
        if version is None:
            raise InvalidInput("Choose a previous version or another policy to compare with.")
        return [], self.new_access(lambda: version.document)


class RoleTrustChecksView(ChecksMixin, RoleMixin, TemplateView):
    """Checks on a role's trust policy (a resource policy): public access, listed actions."""

    template_name = "policies/role_trust_checks.html"
    iam_action = "iam:GetRole"
    offered = ("public", "granted")

    def checked_document(self) -> str:
        return self.role.trust_policy

    def prepare(self, check: str):
        if check == "granted":
            return self.granted()
        return [], lambda: self.run(check_no_public_access, self.checked_document(),
                                    TRUST_RESOURCE_TYPE)


class InlinePolicyChecksMixin(ChecksMixin):
    """An inline policy's checks: new access against a managed policy or a pasted document
    (an inline policy has no previous version), listed actions/resources. The page's own
    action (``iam:Get{User,Group,Role}Policy``) reads the document checked."""

    template_name = "policies/inline_policy_checks.html"
    offered = ("new", "granted")

    def setup_objects(self) -> None:
        super().setup_objects()
        self.inline = get_or_404(services.get_inline_policy, self.subject,
                                 self.kwargs["policy_name"])

    def checked_document(self) -> str:
        return self.inline.document

    def prepare(self, check: str):
        if check == "granted":
            return self.granted()
        chosen = self.reference()
        if chosen is None:
            raise InvalidInput("Choose another policy or paste a policy to compare with.")
        calls, existing = chosen
        return calls, self.new_access(existing)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(inline=self.inline, subject=self.subject, entity_kind=self.entity_kind,
                       detail_url=self.detail_url(), action_url=self.request.path)
        return context


class UserInlinePolicyChecksView(InlinePolicyChecksMixin, EntityMixin, TemplateView):
    entity_kind = "user"
    iam_action = "iam:GetUserPolicy"

    def detail_url(self) -> str:
        return reverse("policies:policy_user_inline_detail",
                       args=[self.subject.user_name, self.inline.name])


class GroupInlinePolicyChecksView(InlinePolicyChecksMixin, EntityMixin, TemplateView):
    entity_kind = "group"
    iam_action = "iam:GetGroupPolicy"

    def detail_url(self) -> str:
        return reverse("policies:policy_group_inline_detail",
                       args=[self.subject.name, self.inline.name])


class RoleInlinePolicyChecksView(InlinePolicyChecksMixin, RoleMixin, TemplateView):
    iam_action = "iam:GetRolePolicy"

    def detail_url(self) -> str:
        return reverse("accounts:role_inline_detail", args=[self.role.name, self.inline.name])
