"""IAM's error vocabulary, shared by every app.

Services raise these; views turn them into form errors or messages with the
HTTP status AWS uses for the same code (iam-facts §10.7).
"""

from __future__ import annotations


class IAMError(Exception):
    """An error IAM itself would return: a code, a message in AWS's words, an HTTP status."""

    code = "ServiceFailure"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(IAMError):
    code, status = "ValidationError", 400


class InvalidInput(IAMError):
    code, status = "InvalidInput", 400


class MalformedPolicyDocument(IAMError):
    code, status = "MalformedPolicyDocument", 400


class PasswordPolicyViolation(IAMError):
    code, status = "PasswordPolicyViolation", 400


class InvalidUserType(IAMError):
    """ChangePassword by a caller that is not an IAM user (the root user, a role session)."""

    code, status = "InvalidUserType", 400


class InvalidAuthenticationCode(IAMError):
    code, status = "InvalidAuthenticationCode", 403


class NoSuchEntity(IAMError):
    code, status = "NoSuchEntity", 404


class EntityAlreadyExists(IAMError):
    code, status = "EntityAlreadyExists", 409


class LimitExceeded(IAMError):
    code, status = "LimitExceeded", 409


class DeleteConflict(IAMError):
    code, status = "DeleteConflict", 409


class UnmodifiableEntity(IAMError):
    code, status = "UnmodifiableEntity", 400


# Certificates and SSH public keys (UploadServerCertificate, UploadSigningCertificate,
# UploadSSHPublicKey)


class MalformedCertificate(IAMError):
    code, status = "MalformedCertificate", 400


class InvalidCertificate(IAMError):
    code, status = "InvalidCertificate", 400


class KeyPairMismatch(IAMError):
    code, status = "KeyPairMismatch", 400


class DuplicateCertificate(IAMError):
    code, status = "DuplicateCertificate", 409


class InvalidPublicKey(IAMError):
    code, status = "InvalidPublicKey", 400


class UnrecognizedPublicKeyEncoding(IAMError):
    code, status = "UnrecognizedPublicKeyEncoding", 400


class DuplicateSSHPublicKey(IAMError):
    code, status = "DuplicateSSHPublicKey", 400


class ReportNotPresent(IAMError):
    code, status = "ReportNotPresent", 410


class ReportExpired(IAMError):
    code, status = "ReportExpired", 410


class NotSupportedService(IAMError):
    """A service IAM makes no service-specific credentials for (``ServiceNotSupportedException``)."""

    code, status = "NotSupportedService", 404
