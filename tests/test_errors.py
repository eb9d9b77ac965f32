"""The portal's own error pages: odd input is a 4xx page, never a 500 or Django's debug pages."""

from __future__ import annotations

import io
import sys
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client

from iamportal import views
from tests.conftest import csrf_post
from tests.test_settings import _manage

pytestmark = pytest.mark.django_db

UTF16 = "application/x-www-form-urlencoded; charset=utf-16"


# ---------------------------------------------------------------------------
# A form posted as charset=utf-16 (Django refuses to read it: BadRequest)


def test_a_utf16_form_is_a_400_page_for_a_signed_in_caller(root_client):
    token = root_client.cookies["csrftoken"].value
    # The client encodes the body in the charset the content type names.
    response = root_client.post("/iam/groups/create/", f"csrfmiddlewaretoken={token}&name=g", content_type=UTF16)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.parametrize("path", ["/signin/", "/signup/", "/signin-iam/"])
def test_a_utf16_form_is_a_400_page_before_sign_in(path):
    client = Client(enforce_csrf_checks=True)
    client.get(path)  # the CSRF cookie: with it, the check reads the body
    response = client.post(path, "email=a&password=b", content_type=UTF16)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_a_utf16_form_to_an_unknown_url_is_a_404(client):
    client.get("/signin/")
    response = client.post("/no-such-page/", "a=b", content_type=UTF16)
    assert response.status_code == 404 and "Not found" in response.content.decode()


def test_the_real_wsgi_handler_answers_400_too(root):
    body = "email=a&password=b".encode("utf-16")
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/signin/", "CONTENT_TYPE": UTF16,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "HTTP_HOST": "localhost",
               "HTTP_COOKIE": "csrftoken=" + "a" * 32, "wsgi.errors": sys.stderr}
    setup_testing_defaults(environ)
    started = []
    chunks = WSGIHandler()(environ, lambda status, headers, exc_info=None: started.append(status))
    assert started == ["400 Bad Request"]
    assert b"Bad request" in b"".join(chunks)


# ---------------------------------------------------------------------------
# Wizards: a current_step the wizard does not have


@pytest.mark.parametrize("url, prefix", [
    ("/iam/roles/create/", "role_create_wizard"),
    ("/iam/policies/create/", "policy_create_wizard"),
    ("/iam/users/create/", "user_create_wizard"),
])
@pytest.mark.parametrize("step", ["bogus", "", "details\x00"])
def test_a_bogus_wizard_step_is_a_400_and_creates_nothing(root_client, url, prefix, step):
    from accounts.models import Role, User
    from policies.models import ManagedPolicy

    root_client.get(url)
    before = (Role.objects.count(), User.objects.count(), ManagedPolicy.objects.count())
    response = csrf_post(root_client, url, {f"{prefix}-current_step": step, "details-name": "R",
                                            "review-name": "P", "details-user_name": "u"})
    assert response.status_code == 400
    assert (Role.objects.count(), User.objects.count(), ManagedPolicy.objects.count()) == before
    # The wizard still opens afresh.
    assert root_client.get(url).status_code == 200


# ---------------------------------------------------------------------------
# The portal's pages for 404, 403, 500


def test_an_unknown_url_shows_the_portals_404(root_client):
    response = root_client.get("/iam/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html and "does not exist" in html
    assert "Resolver404" not in html and "URLconf" not in html


def test_a_missing_entity_shows_iams_message(root_client):
    response = root_client.get("/iam/users/nobody/")
    assert response.status_code == 404
    assert "nobody" in response.content.decode()


def test_the_500_page_is_the_portals_and_needs_no_request_context(rf):
    response = views.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_a_permission_denied_is_the_portals_403(rf):
    response = views.permission_denied(rf.get("/"))
    assert response.status_code == 403 and "Forbidden" in response.content.decode()


def test_the_development_defaults_show_the_portals_pages_not_djangos():
    """`make run` (no environment): Django's technical 404 with its URL list stays off."""
    shown = _manage("shell", "-c", "from django.test import Client; "
                    "r = Client(HTTP_HOST='127.0.0.1').get('/no-such-page/'); "
                    "print('answer', r.status_code, 'URLconf' in r.content.decode(), b'Not found' in r.content)")
    assert "answer 404 False True" in shown.stdout, shown.stdout + shown.stderr


def test_djangos_debug_pages_are_for_development_only():
    refused = _manage("check", IAMPORTAL_DEBUG="false", IAMPORTAL_DJANGO_DEBUG="true",
                      IAMPORTAL_SECRET_KEY="x" * 60, IAMPORTAL_ALLOWED_HOSTS="iam.example.com")
    assert refused.returncode != 0
    assert "IAMPORTAL_DJANGO_DEBUG is for development only" in refused.stderr


# ---------------------------------------------------------------------------
# Favicon


def test_pages_link_a_favicon_and_favicon_ico_leads_to_it(client):
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/signin/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)


# ---------------------------------------------------------------------------
# Status codes of console forms (#11 item 15): a form back with its errors is a 200


def test_a_form_with_errors_is_a_200_and_refusals_keep_their_codes(root_client, alice, alice_client, account):
    from accounts import services

    services.create_group(account, name="Cashiers")
    typo = csrf_post(root_client, "/iam/groups/create/", {"name": "two words"})
    taken = csrf_post(root_client, "/iam/groups/create/", {"name": "CASHIERS"})
    assert typo.status_code == 200 and "roupName" in typo.content.decode()
    assert taken.status_code == 200 and "Group with name CASHIERS already exists." in taken.content.decode()
    # AccessDenied, a missing object and a wrong method keep theirs.
    denied = csrf_post(alice_client, "/iam/groups/create/", {"name": "Baristas"})
    assert denied.status_code == 403 and "AccessDenied" in denied.content.decode()
    assert root_client.get("/iam/groups/Nobody/edit/").status_code == 404
    assert root_client.get("/switchrole/back").status_code == 405
