"""The Query API's live-server boto3 fixtures (tests/api/conftest.py), for the API's records."""

from tests.api.conftest import (  # noqa: F401  (fixtures)
    api_url,
    client_for,
    iam,
    root_key,
    sts,
    user_client,
)
