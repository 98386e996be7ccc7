"""The trial designer's result page and API say when the visit lies past the follow-up of the
arms' evidence (the assessment's window: laser trials to 26 weeks [JIM14])."""

from __future__ import annotations

import pytest

LASER = {
    "treated": "lllt",
    "control": "placebo",
    "zone": "vertex",
    "trials": 20,
    "n_values": [4],
    "follicles": 1000,
    "seed": 11,
}


def _run(client, app, **kw):
    r = client.post("/api/v1/trials/power", json={**LASER, **kw})
    assert r.status_code == 202, r.text
    job = app.state.jobs.wait(r.json()["id"], 600)
    assert job.status == "done", job.error
    body = client.get(r.json()["status_url"]).json()
    return body["result"]["power"], client.get(r.json()["page_url"]).text


def test_a_visit_past_the_evidence_is_flagged_on_the_api_and_the_page(client, app):
    res, page = _run(client, app, follow_up_weeks=104)
    assert res["extrapolated"] is True and res["evidence_follow_up_weeks"] == 26
    assert res["follow_up_weeks"] == 104
    assert "[JIM14]" in res["extrapolation"][0] and "26 weeks" in res["extrapolation"][0]
    assert res["evidence_follow_up"][0]["treatment"] == "lllt"
    assert 'id="extrapolation"' in page and "the model&#39;s extrapolation" in page
    assert "[JIM14]" in page and "past the evidence" in page
    assert "* week 104 is past the evidence" in page


@pytest.mark.parametrize("weeks", [24, 26])
def test_a_visit_within_the_evidence_is_not_flagged(client, app, weeks):
    res, page = _run(client, app, follow_up_weeks=weeks)
    assert res["extrapolated"] is False and res["extrapolation"] == []
    assert 'id="extrapolation"' not in page and "past the evidence" not in page
