"""The conformance corpus through the engine: a floor of passing scenarios that only goes up."""

import pytest

from tests.executions.engine.corpus import CORPUS, run_all

FLOOR = 120


@pytest.mark.skipif(not (CORPUS / "SCENARIOS.jsonl").exists(), reason="corpus not available")
def test_corpus_pass_count_does_not_regress():
    results = run_all()
    passed = [r for r in results if r.status == "pass"]
    errors = [
        f"{r.scenario['file']}#{r.scenario['name']}: {r.reason}"
        for r in results
        if r.status == "error"
    ]
    assert errors == []
    assert len(passed) >= FLOOR
