"""Print the corpus pass counts by feature and the failing scenarios: python -m ...corpus_report."""

from __future__ import annotations

import logging
import sys
from collections import Counter, defaultdict

from tests.executions.engine.corpus import manifest, run_all


def main() -> int:
    logging.disable(logging.CRITICAL)
    results = run_all()
    features = manifest()
    totals = Counter(r.status for r in results)
    by_feature: dict[str, Counter[str]] = defaultdict(Counter)
    for result in results:
        for feature in features.get(result.scenario["file"], []) or ["(none)"]:
            by_feature[feature][result.status] += 1
    print(f"{'feature':<22} {'pass':>5} {'fail':>5} {'error':>5} {'skip':>5}")
    for feature in sorted(by_feature):
        c = by_feature[feature]
        print(f"{feature:<22} {c['pass']:>5} {c['fail']:>5} {c['error']:>5} {c['skip']:>5}")
    print()
    print(
        f"TOTAL pass={totals['pass']} fail={totals['fail']} error={totals['error']} "
        f"skip={totals['skip']} of {len(results)}"
    )
    print()
    for result in results:
        if result.status in ("fail", "error"):
            name = f"{result.scenario['file']}#{result.scenario['name']}"
            print(f"{result.status.upper():<5} {name:<60} {result.reason}")
    if "-v" in sys.argv:
        for result in results:
            if result.status == "skip":
                name = f"{result.scenario['file']}#{result.scenario['name']}"
                print(f"SKIP  {name:<60} {result.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
