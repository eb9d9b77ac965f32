"""What the policy editor repeats is bounded whatever is pasted: a document of thousands of
duplicate keys has thousands of findings, but a page or the live check lists 50 of them and
says how many more there are, and a document of thousands of lines gets no gutter."""

from __future__ import annotations

import re

import pytest

from policies.forms import MAX_SHOWN_FINDINGS
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db

CREATE = "/iam/policies/create/"
STEP = "policy_create_wizard-current_step"
# 3,000 duplicate "Sid" keys: about 6,000 findings, within the 131,072-character wire limit.
DUPLICATES = '{"Version":"2012-10-17",' + ",".join(f'"Sid":"a{i}"' for i in range(3000)) + ',"Statement":[]}'


def test_the_live_check_lists_at_most_50_findings_and_counts_the_rest(root_client):
    data = csrf_post(root_client, "/iam/policies/validate/", {"document": DUPLICATES}).json()
    assert len(data["findings"]) == MAX_SHOWN_FINDINGS
    assert data["more"] > 1000 and data["has_errors"]


def test_the_editor_page_lists_at_most_50_findings_and_no_gutter_for_thousands_of_lines(root_client):
    document = DUPLICATES.replace(",", ",\n\n")  # about 6,000 lines
    response = csrf_post(root_client, CREATE, {STEP: "permissions", "permissions-document": document})
    page = response.content.decode()
    assert response.status_code == 200 and "Syntax errors in policy." in page
    assert page.count('<li class="finding finding-') == MAX_SHOWN_FINDINGS
    assert re.search(r"And \d+ more findings: fix these first.", page)
    assert 'data-line="1"' not in page
    assert len(response.content) < 200_000
