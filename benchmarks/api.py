"""Query API calls against the console pages that show the same thing: queries and time.

    python benchmarks/api.py                     # 1,000 users, SQLite scratch file
    python benchmarks/api.py --users 5000 --rounds 30
    DATABASE_URL=postgres://…/scratch python benchmarks/api.py

The issue's bar: an authorised read call (``GetUser``) costs within 2x a console page view.
It uses the account ``bench-<N>`` of ``benchmarks/pages.py`` (seeded by ``manage.py
seedlarge`` unless already there), gives its IAM user ``admin`` (AdministratorAccess through
the group Admins, so every call loads a policy set) an access key, and requests in-process
with Django's test client, alternating:

- ``GetUser``, ``ListUsers`` (100 a page), ``ListPolicies`` (100 a page) and STS
  ``GetCallerIdentity``, each signed by botocore's own SigV4 signer *before* the clock starts
  (the server's work is measured: parsing, verification, authorisation, the operation, XML);
- the console's user page, users list and policies list as ``admin`` signed in.

Printed per row: queries, median and p95 ms, and ``api/page`` (the call's median over its
console page's). Nothing here is imported by the portal or its tests; no test asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages  # noqa: E402  (benchmarks/pages.py: Django setup, the seeded account, sign-in)

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def signed(key: tuple[str, str], params: dict, service: str = "iam") -> tuple[bytes, dict]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = urlencode(params).encode()
    request = AWSRequest(method="POST", url="http://testserver/", data=body,
                         headers={"Content-Type": FORM})
    SigV4Auth(Credentials(*key), service, "us-east-1").add_auth(request)
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in request.headers.items()
            if name.lower() != "content-type"}
    meta["HTTP_HOST"] = "testserver"
    return body, meta


def measure(request, rounds: int) -> tuple[int, float, float]:
    """Queries of one ``request()`` (which returns its status and its own milliseconds), then
    the median and p95 of ``rounds`` more."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # each request resets the log: count from an empty one
    with CaptureQueriesContext(connection) as queries:
        status, _ = request()
    count = len(queries)  # now: the next request clears the log the count reads
    assert status == 200, status
    times = sorted(request()[1] for _ in range(rounds))
    return count, statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def run(users: int, rounds: int) -> None:
    from django.test import Client

    from accounts import access_keys
    from accounts.models import User

    account = pages.ensure_account(users)
    admin = User.objects.get(account=account, user_name="admin")
    admin.access_keys.all().delete()
    created, secret = access_keys.create_access_key(admin)
    key = (created.access_key_id, secret)
    console = pages.signed_in(f"/signin/{account.alias}/", {"user_name": "admin", "password": pages.PASSWORD})
    api = Client()
    subject = User.objects.filter(account=account, is_root=False).exclude(user_name="admin").first().user_name

    def call(params: dict, service: str = "iam"):
        def request() -> tuple[int, float]:
            body, meta = signed(key, params, service)  # signed anew each time: it carries the time
            started = time.perf_counter()
            response = api.generic("POST", "/", body, content_type=FORM, **meta)
            return response.status_code, (time.perf_counter() - started) * 1000
        return request

    def page(url: str):
        def request() -> tuple[int, float]:
            started = time.perf_counter()
            response = console.get(url)
            return response.status_code, (time.perf_counter() - started) * 1000
        return request

    rows = [
        ("GetUser", call({"Action": "GetUser", "Version": "2010-05-08", "UserName": subject}),
         "user page", page(f"/iam/users/{subject}/")),
        ("ListUsers", call({"Action": "ListUsers", "Version": "2010-05-08"}),
         "users list", page("/iam/users/")),
        ("ListPolicies", call({"Action": "ListPolicies", "Version": "2010-05-08", "Scope": "Local"}),
         "policies list", page("/iam/policies/")),
        ("GetCallerIdentity", call({"Action": "GetCallerIdentity", "Version": "2011-06-15"}, "sts"),
         "console home", page("/console/home/")),
    ]
    print(f"\n{users} users in {account.alias}, {rounds} timed requests each, as admin (AdministratorAccess)")
    print(f"{'call':18} {'q':>3} {'med ms':>7} {'p95':>7}   {'console page':14} {'q':>3} {'med ms':>7} "
          f"{'p95':>7} {'api/page':>8}")
    print("-" * 88)
    for name, api_request, label, page_request in rows:
        api_q, api_med, api_p95 = measure(api_request, rounds)
        page_q, page_med, page_p95 = measure(page_request, rounds)
        print(f"{name:18} {api_q:>3} {api_med:>7.1f} {api_p95:>7.1f}   {label:14} {page_q:>3} {page_med:>7.1f} "
              f"{page_p95:>7.1f} {api_med / page_med:>7.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    pages._setup_django()
    run(args.users, args.rounds)


if __name__ == "__main__":
    main()
