"""labs/markdown.py: lab instructions and hints as safe HTML, in linear time."""

from __future__ import annotations

import time

import pytest

from labs.markdown import render


def test_paragraphs_lists_code_bold_and_links():
    html = render("Create **dev**\nin `Developers`.\n\n- one\n  more\n- two\n\n1. first\n2. second\n\n"
                  "```\n{\"Effect\": \"Deny\"}\n```\nSee [the docs](https://docs.aws.amazon.com/IAM/).")
    assert html == (
        "<p>Create <strong>dev</strong> in <code>Developers</code>.</p>"
        "<ul><li>one more</li><li>two</li></ul>"
        "<ol><li>first</li><li>second</li></ol>"
        "<pre><code>{&quot;Effect&quot;: &quot;Deny&quot;}</code></pre>"
        '<p>See <a href="https://docs.aws.amazon.com/IAM/" rel="noopener noreferrer">the docs</a>.</p>')


def test_html_is_escaped_everywhere():
    html = render('<script>alert(1)</script> **<b>x</b>** `<i>` [<img src=x>](/iam/) [a](/x" onclick="y)')
    assert "<script" not in html and "<b>" not in html and "<i>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "<code>&lt;i&gt;</code>" in html
    assert 'onclick="' not in html


@pytest.mark.parametrize("url", ["javascript:void", "JavaScript:x", "data:text/html,x", "//evil.example/",
                                 "/\\evil.example", "vbscript:x", "https:/x", "mailto:a@b.example"])
def test_links_elsewhere_show_their_text_only(url):
    assert render(f"[click]({url})") == "<p>click</p>"


@pytest.mark.parametrize("url", ["https://aws.amazon.com/", "http://localhost:8000/x", "/iam/users/", "#task-x"])
def test_links_to_this_site_or_the_web(url):
    assert f'href="{url}"' in render(f"[go]({url})")


def test_account_placeholder():
    assert render("Sign in at `/signin/{account}/`", {"{account}": "123456789012"}) == (
        "<p>Sign in at <code>/signin/123456789012/</code></p>")


@pytest.mark.parametrize("unit", ["[", "**a", "`", "[a](", "- ", "*", "](", "```\n"])
def test_hostile_input_renders_in_linear_time(unit):
    text = unit * 20_000
    started = time.perf_counter()
    render(text)
    small = time.perf_counter() - started
    started = time.perf_counter()
    render(unit * 80_000)
    large = time.perf_counter() - started
    assert large < max(small * 12, 0.05)  # 4x the input, far less than 16x the time
