"""AWS Organizations' error vocabulary: its exception codes and messages, as IAMError subclasses
so the console and the API render them like IAM's own.

Organizations answers every client error with HTTP 400 (a JSON 1.1 service), so ``status`` is
400 throughout; the ``NotFound`` ones derive from :class:`OrganizationsNotFound`, which a console
page may show as a 404. ``ConstraintViolationException``, ``HandshakeConstraintViolationException``
and ``InvalidInputException`` carry AWS's ``Reason`` as ``reason`` (the API puts it in the error
body beside ``Message``).
"""

from __future__ import annotations

from iamportal.errors import IAMError


class OrganizationsError(IAMError):
    """An error of AWS Organizations: ``code`` is AWS's exception name, ``message`` its wording."""

    status = 400
    default_message = ""
    reason = ""

    def __init__(self, message: str | None = None, *, reason: str = "") -> None:
        super().__init__(message or self.default_message)
        self.reason = reason or self.reason


class OrganizationsNotFound(OrganizationsError):
    """An Organizations entity that does not exist, or not in the caller's organization."""


class AWSOrganizationsNotInUseException(OrganizationsError):
    code = "AWSOrganizationsNotInUseException"
    default_message = ("Your account isn't a member of an organization. To make this request, you must "
                       "use the credentials of an account that belongs to an organization.")


class AlreadyInOrganizationException(OrganizationsError):
    code = "AlreadyInOrganizationException"
    default_message = ("This account is already a member of an organization. An account can belong to "
                       "only one organization at a time.")


class OrganizationNotEmptyException(OrganizationsError):
    code = "OrganizationNotEmptyException"
    default_message = ("The organization isn't empty. To delete an organization, you must first remove "
                       "all accounts except the management account.")


class MasterCannotLeaveOrganizationException(OrganizationsError):
    code = "MasterCannotLeaveOrganizationException"
    default_message = ("You can't remove a management account from an organization. If you want the "
                       "management account to become a member account in another organization, you "
                       "must first delete the current organization of the management account.")


class AccountNotFoundException(OrganizationsNotFound):
    code = "AccountNotFoundException"
    default_message = ("We can't find an AWS account with the AccountId that you specified, or the "
                       "account whose credentials you used to make this request isn't a member of an "
                       "organization.")


class DuplicateAccountException(OrganizationsError):
    code = "DuplicateAccountException"
    default_message = "That account is already present in the specified destination."


class CreateAccountFailed(OrganizationsError):
    """CreateAccount is asynchronous in AWS: a failure is ``CreateAccountStatus`` with ``State``
    FAILED and a ``FailureReason`` (``reason`` here: ``EMAIL_ALREADY_EXISTS``, …). The portal creates
    accounts at once, so it raises this instead; the API answers it as that status."""

    code = "CreateAccountFailed"
    default_message = "The account could not be created."


class ParentNotFoundException(OrganizationsNotFound):
    code = "ParentNotFoundException"
    default_message = "We can't find a root or OU with the ParentId that you specified."


class SourceParentNotFoundException(OrganizationsNotFound):
    code = "SourceParentNotFoundException"
    default_message = "We can't find a source root or OU with the ParentId that you specified."


class DestinationParentNotFoundException(OrganizationsNotFound):
    code = "DestinationParentNotFoundException"
    default_message = ("We can't find the destination container (a root or OU) with the ParentId that "
                       "you specified.")


class ChildNotFoundException(OrganizationsNotFound):
    code = "ChildNotFoundException"
    default_message = "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified."


class OrganizationalUnitNotFoundException(OrganizationsNotFound):
    code = "OrganizationalUnitNotFoundException"
    default_message = "We can't find an OU with the OrganizationalUnitId that you specified."


class OrganizationalUnitNotEmptyException(OrganizationsError):
    code = "OrganizationalUnitNotEmptyException"
    default_message = ("The specified OU is not empty. Move all accounts to another root or to other "
                       "OUs, remove all child OUs, and try the operation again.")


class DuplicateOrganizationalUnitException(OrganizationsError):
    code = "DuplicateOrganizationalUnitException"
    default_message = "An OU with the same name already exists."


class TargetNotFoundException(OrganizationsNotFound):
    code = "TargetNotFoundException"
    default_message = "We can't find a root, OU, account, or policy with the TargetId that you specified."


class PolicyNotFoundException(OrganizationsNotFound):
    code = "PolicyNotFoundException"
    default_message = "We can't find a policy with the PolicyId that you specified."


class DuplicatePolicyException(OrganizationsError):
    code = "DuplicatePolicyException"
    default_message = "A policy with the same name already exists."


class DuplicatePolicyAttachmentException(OrganizationsError):
    code = "DuplicatePolicyAttachmentException"
    default_message = "The selected policy is already attached to the specified target."


class PolicyNotAttachedException(OrganizationsError):
    code = "PolicyNotAttachedException"
    default_message = "The policy isn't attached to the specified target in the specified root."


class PolicyInUseException(OrganizationsError):
    code = "PolicyInUseException"
    default_message = ("The policy is attached to one or more entities. You must detach it from all "
                       "roots, OUs, and accounts before performing this operation.")


class PolicyChangesNotAllowed(OrganizationsError):
    """Changing or deleting an AWS managed policy (FullAWSAccess): AWS refuses it as access
    denied, whatever the caller's permissions."""

    code = "AccessDeniedException"
    default_message = "You can't modify or delete an AWS managed policy."


class MalformedPolicyDocumentException(OrganizationsError):
    code = "MalformedPolicyDocumentException"
    default_message = ("The provided policy document doesn't meet the requirements of the specified "
                       "policy type. For example, the syntax might be incorrect.")


class HandshakeNotFoundException(OrganizationsNotFound):
    code = "HandshakeNotFoundException"
    default_message = "We can't find a handshake with the HandshakeId that you specified."


class InvalidHandshakeTransitionException(OrganizationsError):
    code = "InvalidHandshakeTransitionException"
    default_message = ("You can't perform the operation on the handshake in its current state. For "
                       "example, you can't cancel a handshake that was already accepted or accept a "
                       "handshake that was already declined.")


class DuplicateHandshakeException(OrganizationsError):
    code = "DuplicateHandshakeException"
    default_message = "A handshake with the same action and target already exists."


class HandshakeConstraintViolationException(OrganizationsError):
    code = "HandshakeConstraintViolationException"
    default_message = "The requested operation would violate the constraint identified in the reason code."


class ConstraintViolationException(OrganizationsError):
    code = "ConstraintViolationException"
    default_message = ("Performing this operation violates a minimum or maximum value limit.")


class InvalidInputException(OrganizationsError):
    code = "InvalidInputException"
    default_message = "The requested operation failed because you provided invalid values for one or more of the request parameters."



class CreateAccountStatusNotFoundException(OrganizationsNotFound):
    code = "CreateAccountStatusNotFoundException"
    default_message = "We can't find an create account request with the CreateAccountRequestId that you specified."


class RootNotFoundException(OrganizationsNotFound):
    code = "RootNotFoundException"
    default_message = "We can't find a root with the RootId that you specified."


class PolicyTypeAlreadyEnabledException(OrganizationsError):
    code = "PolicyTypeAlreadyEnabledException"
    default_message = "The specified policy type is already enabled in the specified root."


class PolicyTypeNotEnabledException(OrganizationsError):
    code = "PolicyTypeNotEnabledException"
    default_message = "This operation can be performed only for enabled policy types."


class PolicyTypeNotAvailableForOrganizationException(OrganizationsError):
    code = "PolicyTypeNotAvailableForOrganizationException"
    default_message = ("You can't use the specified policy type with the feature set currently enabled "
                       "for this organization.")


class NotManagementAccount(OrganizationsError):
    """An operation only the management account may call, called from a member account."""

    code = "AccessDeniedException"
    default_message = "You don't have permissions to access this resource."

# The reasons the services raise, with the message AWS gives for each.
ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED = (
    "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED",
    "You attempted to exceed the number of accounts that you can create in one day.")
ACCOUNT_CANNOT_LEAVE_ORGANIZATION = (
    "ACCOUNT_CANNOT_LEAVE_ORGANIZATION",
    "You attempted to remove the management account from the organization. You can't remove the "
    "management account. Instead, after you remove all member accounts, delete the organization itself.")
MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED = (
    "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
    "You have attached the maximum number of policies to the specified target.")
MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED = (
    "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
    "You cannot remove the last policy attached to the specified target. You must have at least one "
    "attached at all times.")
OU_DEPTH_LIMIT_EXCEEDED = (
    "OU_DEPTH_LIMIT_EXCEEDED",
    "You attempted to create an OU tree that is too many levels deep.")
OU_NUMBER_LIMIT_EXCEEDED = (
    "OU_NUMBER_LIMIT_EXCEEDED",
    "You attempted to exceed the number of OUs that you can have in an organization.")
POLICY_NUMBER_LIMIT_EXCEEDED = (
    "POLICY_NUMBER_LIMIT_EXCEEDED",
    "You attempted to exceed the number of policies that you can have in an organization.")
POLICY_CONTENT_LIMIT_EXCEEDED = (
    "POLICY_CONTENT_LIMIT_EXCEEDED",
    "You attempted to create a policy that is larger than the maximum size.")
ALREADY_IN_AN_ORGANIZATION = (
    "ALREADY_IN_AN_ORGANIZATION",
    "The handshake request is invalid because the invited account is already a member of an organization.")
HANDSHAKE_RATE_LIMIT_EXCEEDED = (
    "HANDSHAKE_RATE_LIMIT_EXCEEDED",
    "You attempted to exceed the number of handshakes that you can send in one day.")
EMAIL_ALREADY_EXISTS = (
    "EMAIL_ALREADY_EXISTS",
    "The account could not be created because another AWS account with that email address already exists.")


def constraint(reason: tuple[str, str], error: type[OrganizationsError] = ConstraintViolationException) -> OrganizationsError:
    """``error`` (ConstraintViolationException unless told) with AWS's reason code and its message."""
    code, message = reason
    return error(message, reason=code)
