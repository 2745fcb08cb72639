"""Each claim of the notes keeps the status the mathematics gives it, and the page shows them all."""

from __future__ import annotations

import pytest

from derivations import registry
from derivations.claims import CLAIMS, STATUSES


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_status_is_decided_by_the_mathematics(claim):
    assert claim.status in STATUSES
    assert claim.decide() == claim.status


def test_claims_cite_registered_equations():
    known = {e.id for e in registry.entries()}
    for claim in CLAIMS:
        assert claim.evidence and set(claim.evidence) <= known, claim.id


def test_claim_ids_are_unique():
    assert len({c.id for c in CLAIMS}) == len(CLAIMS)


def test_claims_page_shows_every_claim_with_its_status(built_site):
    html = (built_site / "claims" / "index.html").read_text(encoding="utf-8")
    for claim in CLAIMS:
        section = html.split(f'id="claim-{claim.id}"', 1)[1].split("<h2", 1)[0]
        assert claim.status.capitalize() in section
        for eid in claim.evidence:
            assert f"#eq-{eid}" in section


def test_a_claim_citing_an_unplaced_equation_fails_the_build(tiny_site):
    done = tiny_site({"index.md": "# Claims\n\n::: claims\n"})
    assert done.returncode != 0 and "which no page" in done.stderr
