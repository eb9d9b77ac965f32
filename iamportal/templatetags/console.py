"""Console-wide template filters.

``{{ value|aws_datetime }}``: a date and time as AWS's console writes it, in UTC (the
portal's time zone): ``December 3, 2026, 15:30 (UTC+00:00)``, inside a ``<time>`` element
whose ``datetime`` is the ISO 8601 instant. Every page shows dates this one way.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def aws_datetime(value: datetime | None) -> str:
    if not value:
        return ""
    value = value.astimezone(UTC)
    text = f"{value:%B} {value.day}, {value:%Y}, {value:%H:%M} (UTC+00:00)"
    return format_html('<time datetime="{}">{}</time>', value.strftime("%Y-%m-%dT%H:%M:%SZ"), text)
