"""`manage.py indexer status|drain|reindex [--only flows|executions|logs]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from indexer import conf, drain


class Command(BaseCommand):
    help = "The search indexer: show the backlog, drain it, or rebuild the indices."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["status", "drain", "reindex"])
        parser.add_argument("--only", choices=["flows", "executions", "logs"])

    def handle(self, *args, action: str, only: str | None = None, **options) -> None:
        if action == "status":
            for key, value in drain.backlog().items():
                self.stdout.write(f"{key}: {value}")
            return
        if not conf.enabled():
            raise CommandError(
                f"the search backend is {conf.backend_name()!r}: set ELASTICSEARCH_URL "
                "(and KESTRA_SEARCH_BACKEND=elasticsearch) to index"
            )
        if action == "drain":
            result = drain.drain(max_batches=1_000_000)
            self.stdout.write(f"indexed: {result.indexed} failed: {result.failed}")
            for error in result.errors[:5]:
                self.stderr.write(error)
            return
        from indexer.reindex import reindex

        counts = reindex(only, out=self.stdout.write)
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count} documents")
