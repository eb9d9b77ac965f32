"""Forms of the access-key pages: the use case (step 1 of Create access key), the root
user's acknowledgement, the description tag (step 2) and the typed confirmation of Delete.

The use cases, their recommended alternatives and which of them ask for the confirmation
checkbox follow the AWS console (iam-facts §8.6; AWS's exact wording is unverified there,
docs/access-keys.md says what is approximated).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from iamportal.errors import IAMError

from . import quotas, validators
from .user_forms import IAMFormMixin

CONFIRM_TEXT = "I understand the above recommendation and want to proceed to create an access key."
ROOT_CONFIRM_TEXT = ("I understand creating a root access key is not a best practice, "
                     "but I still want to create one.")


@dataclass(frozen=True)
class UseCase:
    value: str
    label: str
    help: str
    #: The alternative AWS recommends instead of a long-term access key ("" for none).
    alternative: str
    #: Whether the confirmation checkbox must be ticked to go on.
    confirm: bool


USE_CASES = (
    UseCase("cli", "Command Line Interface (CLI)",
            "You plan to use this access key to enable the AWS CLI to access your AWS account.",
            "Use AWS CloudShell, a browser-based CLI, to run commands. Or use the AWS CLI V2 and "
            "enable authentication through a user in IAM Identity Center.", True),
    UseCase("local_code", "Local code",
            "You plan to use this access key to enable application code in a local development "
            "environment to access your AWS account.",
            "Use an integrated development environment (IDE) which supports the AWS Toolkit "
            "enabling authentication through IAM Identity Center.", True),
    UseCase("aws_compute", "Application running on an AWS compute service",
            "You plan to use this access key to enable application code running on an AWS compute "
            "service like Amazon EC2, Amazon ECS, or AWS Lambda to access your AWS account.",
            "Use an IAM role attached to the compute resource (an EC2 instance profile, an ECS task "
            "role or a Lambda execution role): it gets temporary credentials that rotate by "
            "themselves.", True),
    UseCase("third_party", "Third-party service",
            "You plan to use this access key to enable access for a third-party application or "
            "service that monitors or manages your AWS resources.",
            "Use temporary security credentials (IAM roles) instead of long-term access keys: "
            "create a role the third party assumes, with an external ID.", True),
    UseCase("outside_aws", "Application running outside AWS",
            "You plan to use this access key to authenticate workloads running in your data center "
            "or other infrastructure outside of AWS that needs to access your AWS resources.",
            "Use IAM Roles Anywhere to generate temporary security credentials for non-AWS "
            "workloads; if you use an access key, rotate it regularly.", False),
    UseCase("other", "Other", "Your use case is not listed here.", "", False),
)
USE_CASES_BY_VALUE = {case.value: case for case in USE_CASES}


class UseCaseForm(forms.Form):
    """Step 1, *Access key best practices & alternatives*: the use case and, where AWS asks
    for it, the confirmation checkbox."""

    error_messages = {
        "confirm": "To continue, confirm that you understand the recommendation.",
    }

    use_case = forms.ChoiceField(
        label="Use case", widget=forms.RadioSelect,
        choices=[(case.value, case.label) for case in USE_CASES],
        error_messages={"required": "Choose a use case.",
                        "invalid_choice": "Choose one of the use cases listed."})
    confirm = forms.BooleanField(label=CONFIRM_TEXT, required=False)

    def clean(self):
        data = super().clean()
        case = USE_CASES_BY_VALUE.get(data.get("use_case", ""))
        if case is not None and case.confirm and not data.get("confirm"):
            self.add_error("confirm", self.error_messages["confirm"])
        return data

    @property
    def chosen(self) -> UseCase | None:
        """The use case the form shows as selected (posted, valid or not)."""
        return USE_CASES_BY_VALUE.get(self["use_case"].value() or "")


class RootAcknowledgementForm(forms.Form):
    """The root user's one step before the key: the acknowledgement AWS asks for."""

    confirm = forms.BooleanField(
        label=ROOT_CONFIRM_TEXT,
        error_messages={"required": "To continue, confirm that you understand the recommendation."})


class DescriptionForm(IAMFormMixin, forms.Form):
    """Step 2, *Set description tag – optional*: the value of the user tag keyed by the
    access key id (IAM's tag-value rules: at most 256 of ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``)."""

    description = forms.CharField(
        label="Description tag value", required=False, strip=False,
        widget=forms.TextInput(attrs={"maxlength": quotas.TAG_VALUE_MAX}),
        help_text=("Describe the purpose of this access key and where it will be used. A good "
                   "description will help you rotate this access key confidently later. "
                   f"Maximum {quotas.TAG_VALUE_MAX} characters. Letters, numbers, spaces "
                   "representable in UTF-8, and _ . : / = + - @."))

    def clean_description(self) -> str:
        value = self.cleaned_data["description"]
        try:
            validators.validate_tags([("description", value)])
        except IAMError as exc:
            raise forms.ValidationError(exc.message.replace("tags.1.member.value", "description"),
                                        code=exc.code) from None
        return value


class DeleteAccessKeyForm(forms.Form):
    """Delete access key: the key id typed again."""

    access_key_id = forms.CharField(widget=forms.HiddenInput)
    confirmation = forms.CharField(
        label="To confirm deletion, enter the access key ID in the text input field.", strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))

    def __init__(self, *args, key_id: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.key_id = key_id
        self.fields["access_key_id"].initial = key_id
        self.fields["confirmation"].widget.attrs["placeholder"] = key_id

    def clean_confirmation(self) -> str:
        value = self.cleaned_data["confirmation"]
        if value != self.key_id:
            raise forms.ValidationError("The access key ID you entered does not match.")
        return value
