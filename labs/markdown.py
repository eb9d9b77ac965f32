"""The Markdown of lab instructions and hints, rendered safely for the lab panel.

A small subset, rendered in one linear pass over the lines, after escaping every character
of HTML (a lab file can hold no markup of its own):

- paragraphs (lines separated by a blank line; a line break inside stays a space),
- lists: ``- item`` / ``* item`` (bulleted) and ``1. item`` (numbered); an indented line
  continues the item above,
- fenced code blocks (a line of three backticks opens and closes one),
- inline: `` `code` ``, ``**bold**`` and ``[text](url)`` where the URL is ``http(s)://…``,
  ``/…`` (not ``//…`` nor ``/\\…``) or ``#…``; any other link shows its text only.

Every inline pattern is a negated character class bounded by its own delimiter, so the
work is linear in the text's length (no backtracking across a line). Nothing else is
Markdown here: ``# heading`` is a paragraph that starts with ``#``.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BULLET = re.compile(r"^\s{0,3}[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}\d{1,9}[.)]\s+(.*)$")
_FENCE = re.compile(r"^\s{0,3}```")
# Code first: what it holds is shown as is. Each class excludes its own closing delimiter
# (and a link's text excludes "[", so "[[[[…" is scanned once).
_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|\*\*(?P<bold>[^*\n]+)\*\*"
    r"|\[(?P<text>[^\[\]\n]+)\]\((?P<url>[^()\s]+)\)"
)
# "//host" and "/\host" are other hosts to a browser: only a single "/" is this site.
_SAFE_URL = re.compile(r"^(?:https?://[^/\\\s]|/(?![/\\])|#)", re.IGNORECASE)


def _inline(escaped: str) -> str:
    """Inline markup of one already-escaped block of text."""

    def replace(match: re.Match) -> str:
        if match.group("code") is not None:
            return f"<code>{match.group('code')}</code>"
        if match.group("bold") is not None:
            return f"<strong>{match.group('bold')}</strong>"
        text, url = match.group("text"), match.group("url")
        if not _SAFE_URL.match(url):
            return text
        external = url.lower().startswith(("http://", "https://"))
        rel = ' rel="noopener noreferrer"' if external else ""
        return f'<a href="{url}"{rel}>{text}</a>'

    return _INLINE.sub(replace, escaped)


def render(text: str, replacements: dict[str, str] | None = None) -> SafeString:
    """``text`` (lab Markdown) as safe HTML.

    Args:
        text: the instructions or hint, as written in the lab file.
        replacements: literal strings to replace before rendering (``{"{account}": "123…"}``).
    """
    for old, new in (replacements or {}).items():
        text = text.replace(old, new)
    html: list[str] = []
    paragraph: list[str] = []
    items: list[list[str]] = []
    list_tag = ""
    code: list[str] | None = None

    def close_paragraph() -> None:
        if paragraph:
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_tag
        if items:
            body = "".join(f"<li>{_inline(' '.join(item))}</li>" for item in items)
            html.append(f"<{list_tag}>{body}</{list_tag}>")
            items.clear()
        list_tag = ""

    for raw in str(text).splitlines():
        if code is not None:
            if _FENCE.match(raw):
                html.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(raw)
            continue
        if _FENCE.match(raw):
            close_paragraph()
            close_list()
            code = []
            continue
        line = escape(raw.strip())
        if not line:
            close_paragraph()
            close_list()
            continue
        bullet, numbered = _BULLET.match(raw), _NUMBERED.match(raw)
        if bullet or numbered:
            tag = "ul" if bullet else "ol"
            close_paragraph()
            if list_tag != tag:
                close_list()
                list_tag = tag
            items.append([escape((bullet or numbered).group(1).strip())])
        elif items and raw[:1].isspace():
            items[-1].append(line)
        else:
            close_list()
            paragraph.append(line)
    if code is not None:  # an unclosed fence runs to the end
        html.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
    close_paragraph()
    close_list()
    return mark_safe("".join(html))  # noqa: S308 - every piece of text above was escaped
