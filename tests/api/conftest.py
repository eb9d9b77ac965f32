"""Query API tests: unmodified boto3 against the portal served on a free port.

``live_server`` (pytest-django) starts the portal in a thread on a free port, on the test
database; every test that uses it runs in a transactional database, flushed afterwards.

- ``api_url``: the server's URL, the ``endpoint_url`` every client is given.
- ``root_key``: an access key ``(id, secret)`` of the root user of account A (``root``).
- ``client_for(key, service="iam", region=..., token=None)``: a boto3 client with those
  credentials, retries off (so a Throttling answer is seen, not retried).
- ``iam``, ``sts``, ``organizations``: root's IAM, STS and AWS Organizations clients;
  ``unchecked_iam``: root's IAM client without botocore's parameter validation.
- ``user_client(name, *policy_documents, service="iam", boundary=None)``: a new IAM user of
  account A with those inline policies (and boundary), and a client with its new key.
- ``aws(key, *args)``: the aws CLI (PyPI's awscli, unmodified) run with ``key``
  (``(id, secret[, session token])``) against the server; its JSON output as a dict.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from typing import Any

import boto3
import pytest
from botocore.config import Config

from accounts import access_keys, services
from policies import services as policy_services

NO_RETRIES = Config(retries={"total_max_attempts": 1}, connect_timeout=10, read_timeout=60)


@pytest.fixture
def api_url(live_server) -> str:
    return live_server.url


def make_client(api_url: str, key: tuple[str, str], service: str = "iam", *, region: str = "us-east-1",
                token: str | None = None, config: Config | None = None) -> Any:
    client = boto3.session.Session().client(
        service, endpoint_url=api_url, region_name=region, aws_access_key_id=key[0],
        aws_secret_access_key=key[1], aws_session_token=token,
        config=NO_RETRIES.merge(config) if config is not None else NO_RETRIES)
    client.meta.events.register("after-call", lambda **kwargs: client._endpoint.http_session.close())
    return client


def _request_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if "process_request_thread" in thread.name]


def close_connections(clients: list[Any]) -> None:
    """End every connection the test's clients opened, so that the live server's threads for
    them end now: a kept-alive connection left open — botocore closes its pool after each call
    (above), but an error answer's connection stays checked out until the answer is
    garbage-collected — would close during a later test (a non-transactional one, or after the
    session's live server stopped sharing the in-memory database), and its thread then fails
    ("DatabaseWrapper objects created in a thread…")."""
    for client in clients:
        client.close()
    if _request_threads():
        gc.collect()
    for thread in _request_threads():
        thread.join(timeout=5)


@pytest.fixture
def client_for(api_url):
    """boto3 clients for ``key`` (:func:`make_client`), closed when the test ends."""
    made: list[Any] = []

    def build(key: tuple[str, str], service: str = "iam", *, region: str = "us-east-1",
              token: str | None = None, config: Config | None = None) -> Any:
        client = make_client(api_url, key, service, region=region, token=token, config=config)
        made.append(client)
        return client

    yield build
    close_connections(made)


def new_key(user) -> tuple[str, str]:
    key, secret = access_keys.create_access_key(user)
    return key.access_key_id, secret


@pytest.fixture
def root_key(root) -> tuple[str, str]:
    return new_key(root)


@pytest.fixture
def iam(client_for, root_key):
    return client_for(root_key)


@pytest.fixture
def sts(client_for, root_key):
    return client_for(root_key, "sts")


@pytest.fixture
def organizations(client_for, root_key):
    """Root's AWS Organizations client (the JSON 1.1 protocol, same endpoint)."""
    return client_for(root_key, "organizations")


@pytest.fixture
def unchecked_iam(client_for, root_key):
    """Root's IAM client without botocore's own parameter checks (lengths, required members),
    to reach the server's."""
    return client_for(root_key, config=Config(parameter_validation=False))


def allow(actions: str | list[str], resource: str | list[str] = "*", effect: str = "Allow",
          condition: dict | None = None) -> str:
    """A one-statement policy document."""
    statement: dict[str, Any] = {"Effect": effect, "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def user_client(account, client_for):
    def build(name: str, *documents: str, service: str = "iam", boundary: str | None = None) -> Any:
        user = services.create_user(account, user_name=name)
        for index, document in enumerate(documents):
            policy_services.put_inline_policy(user, name=f"p{index}", document=document)
        if boundary is not None:
            policy_services.put_permissions_boundary(user, policy_arn=boundary)
        return client_for(new_key(user), service)

    return build


@pytest.fixture
def customer_policy(account):
    """``customer_policy(name, document)``: a customer managed policy of account A; its ARN."""

    def build(name: str, document: str) -> str:
        return policy_services.create_policy(account, name=name, document=document).arn

    return build


@pytest.fixture
def aws(api_url, tmp_path):
    def run(key: tuple[str, ...], *args: str) -> dict:
        env = {
            "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
            "AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
            "AWS_ACCESS_KEY_ID": key[0], "AWS_SECRET_ACCESS_KEY": key[1], "AWS_DEFAULT_REGION": "eu-central-1",
            "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true",
        }
        if len(key) > 2:
            env["AWS_SESSION_TOKEN"] = key[2]
        done = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", api_url, "--output", "json", *args],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (args, done.stderr)
        return json.loads(done.stdout) if done.stdout.strip() else {}

    return run
