"""The console's words (#11 item 14): what a page says matches what the person is doing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts import services

pytestmark = pytest.mark.django_db


def test_resetting_a_password_says_when_it_is_shown_for_a_reset(root_client, account):
    services.create_user(account, user_name="maria", console_password="Maria-First-Day-2026!")
    html = root_client.get("/iam/users/maria/console-access/").content.decode()
    assert "You can view the password after you reset the password." in html
    assert "after you create the user" not in html
    assert "The user's access keys, if any, keep working." in html.replace("&#x27;", "'")


def test_enabling_console_access_says_when_the_password_is_shown(root_client, account):
    services.create_user(account, user_name="maria")
    html = root_client.get("/iam/users/maria/console-access/").content.decode()
    assert "You can view the password after you enable console access." in html


def test_the_create_user_wizard_keeps_its_wording(root_client):
    assert "You can view the password after you create the user." in \
        root_client.get("/iam/users/create/").content.decode()


def test_the_alias_help_has_no_stray_space(root_client):
    text = " ".join(root_client.get("/iam/account/alias/").content.decode().split())
    assert "IAM users then sign in at a URL that names it; the URL with the account ID" in text


def test_the_sign_up_password_rules_are_inside_the_element_aria_describedby_names():
    html = Client().get("/signup/").content.decode()
    described = re.search(r'<input[^>]*name="password"[^>]*aria-describedby="([^"]+)"', html).group(1)
    described_element = re.search(rf'<div class="help" id="{described}">(.*?)</div>', html, re.S)
    assert described_element, "the described element holds the help text"
    assert "<li>" in described_element.group(1)  # the password rules, a list


def test_no_template_comment_spans_lines():
    """Django's {# #} comment is one line; a multi-line one is printed on the page."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[1] / "templates"
    broken = [f"{path.relative_to(templates)}:{number}"
              for path in templates.rglob("*.html")
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if "{#" in line and "#}" not in line[line.index("{#"):]]
    assert not broken


def test_the_create_user_page_shows_no_template_comment(root_client):
    assert "{#" not in root_client.get("/iam/users/create/").content.decode()
