"""The Query API's own errors: authentication, protocol and throttling (iam-facts §10.3, §10.7).

IAM's service errors (``NoSuchEntity``, ``EntityAlreadyExists``, ``ValidationError``, …) are
:mod:`iamportal.errors`, shared with the console; these are the ones only a wire request
can meet. Each has AWS's code, HTTP status and words.
"""

from __future__ import annotations

from iamportal.errors import IAMError


class IncompleteSignature(IAMError):
    code, status = "IncompleteSignature", 400


class SignatureDoesNotMatch(IAMError):
    code, status = "SignatureDoesNotMatch", 403

    MESSAGE = ("The request signature we calculated does not match the signature you provided. "
               "Check your AWS Secret Access Key and signing method. "
               "Consult the service documentation for details.")

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)


class InvalidClientTokenId(IAMError):
    code, status = "InvalidClientTokenId", 403

    def __init__(self, message: str = "The security token included in the request is invalid.") -> None:
        super().__init__(message)


class MissingAuthenticationToken(IAMError):
    code, status = "MissingAuthenticationToken", 403

    def __init__(self, message: str = "Request is missing Authentication Token") -> None:
        super().__init__(message)


class ExpiredToken(IAMError):
    code, status = "ExpiredToken", 403

    def __init__(self, message: str = "The security token included in the request is expired") -> None:
        super().__init__(message)


class InvalidAction(IAMError):
    code, status = "InvalidAction", 400


class MissingAction(IAMError):
    code, status = "MissingAction", 400


class AccessDenied(IAMError):
    code, status = "AccessDenied", 403


class Throttling(IAMError):
    code, status = "Throttling", 400

    def __init__(self, message: str = "Rate exceeded") -> None:
        super().__init__(message)


class RequestEntityTooLarge(IAMError):
    code, status = "RequestEntityTooLarge", 413


class MalformedQueryString(IAMError):
    code, status = "MalformedQueryString", 400


class InvalidParameterValue(IAMError):
    code, status = "InvalidParameterValue", 400
