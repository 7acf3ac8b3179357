"""`manage.py conformance [--feature X] [--scenario FILE[:NAME]] [--verbose]`: Kestra's corpus."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run Kestra's conformance corpus against this system (executor and a worker must be "
        "running, e.g. `celery -A kestra_site worker -Q executor,default`); print pass counts "
        "by feature tag and every failure with its reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--feature", help="only scenarios with this MANIFEST.tsv feature tag")
        parser.add_argument("--scenario", help="FILE[:NAME], e.g. valids/pause.yaml:run")
        parser.add_argument("--timeout", type=float, default=120.0, help="seconds per execution")
        parser.add_argument("--parallel", type=int, default=12, help="scenario groups at once")
        parser.add_argument("--verbose", action="store_true", help="print every scenario")

    def handle(self, *args, **options):
        try:
            from tests.conformance.checks import available
            from tests.conformance.runner import run_cases
            from tests.conformance.scenarios import load_cases, select
        except ImportError as error:  # the runner lives with the tests
            raise CommandError(f"the conformance runner is not importable: {error}") from error
        if not available():
            raise CommandError("the corpus is missing: set KESTRA_FLOWS_CORPUS")
        cases = select(load_cases(), options["feature"], options["scenario"])
        if not cases:
            raise CommandError("no scenario matches")
        verbose = options["verbose"]

        def progress(result):
            if verbose:
                self.stdout.write(f"{result.status.upper():<8} {result.case.id}  {result.reason}")

        results = run_cases(
            cases, timeout=options["timeout"], parallel=options["parallel"], progress=progress
        )
        self._report(results)

    def _report(self, results) -> None:
        totals = Counter(r.status for r in results)
        by_feature: dict[str, Counter[str]] = defaultdict(Counter)
        for result in results:
            for feature in result.case.features or ["(none)"]:
                by_feature[feature][result.status] += 1
        self.stdout.write(f"\n{'feature':<22} {'pass':>5} {'fail':>5} {'pending':>8}")
        for feature in sorted(by_feature):
            count = by_feature[feature]
            self.stdout.write(
                f"{feature:<22} {count['pass']:>5} {count['fail']:>5} {count['pending']:>8}"
            )
        self.stdout.write(
            f"\nTOTAL pass={totals['pass']} fail={totals['fail']} "
            f"pending={totals['pending']} of {len(results)}\n"
        )
        for result in results:
            if result.status == "fail":
                known = (
                    f" (known: {result.case.known_failure})" if result.case.known_failure else ""
                )
                self.stdout.write(f"FAIL    {result.case.id}: {result.reason}{known}")
        for result in results:
            if result.status == "pass" and result.case.known_failure:
                self.stdout.write(f"FIXED   {result.case.id}: remove it from KNOWN_FAILURES")
        for result in results:
            if result.status == "pending":
                self.stdout.write(f"PENDING {result.case.id}: {result.reason}")
