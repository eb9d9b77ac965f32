"""Review 3 (issue #14): the lab panel's ``next`` (where a form returns) never answers a 500."""

from __future__ import annotations

import pytest

from labs import catalogue, services
from labs.panel import run_token
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db

LAB = "secure-the-root-user"


@pytest.mark.parametrize("target", ["/labs/\r\nSet-Cookie: x=1", "/labs/\nx", "/\x00", "/labs/\x7f",
                                    "/" + "a" * 10000])
def test_a_hostile_next_is_answered_without_a_server_error(root_client, account, target):
    run = services.start_lab(account, LAB)
    task = catalogue.get(LAB).tasks[0].id
    for url, data in ((f"/labs/runs/{run.pk}/tasks/{task}/check/", {"run": run_token(run)}),
                      (f"/labs/runs/{run.pk}/tasks/{task}/hint/", {"run": run_token(run), "shown": "0"}),
                      (f"/labs/runs/{run.pk}/end/", {})):
        response = csrf_post(root_client, url, {**data, "next": target})
        assert response.status_code == 302, (url, response.status_code)
        assert "\n" not in response["Location"] and "\r" not in response["Location"]
    assert root_client.get(f"/labs/runs/{run.pk}/reset/?next=" + "%0d%0aX").status_code == 200
