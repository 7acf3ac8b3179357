"""`manage.py flow validate PATH...` and `manage.py flow namespace update NS FOLDER [--delete]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from flows import services
from kestra_site.errors import InvalidInput

FLOW_SUFFIXES = {".yaml", ".yml"}


def flow_files(paths: list[str]) -> list[Path]:
    """The YAML files named, and those found (recursively) in the folders named."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in FLOW_SUFFIXES)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{raw}: no such file or folder")
    return found


class Command(BaseCommand):
    help = "Validate flow files, or make a namespace hold the flows of a folder (Kestra's CLI)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="Validate flow files or folders.")
        validate.add_argument("paths", nargs="+")
        namespace = sub.add_parser("namespace", help="Namespace operations.")
        ns_sub = namespace.add_subparsers(dest="ns_action", required=True)
        update = ns_sub.add_parser("update", help="Create or update a namespace's flows.")
        update.add_argument("namespace")
        update.add_argument("folder")
        update.add_argument(
            "--delete",
            action="store_true",
            help="Delete the namespace's flows that the folder does not hold.",
        )

    def handle(self, *args, **options) -> None:
        if options["action"] == "validate":
            self._validate(options["paths"])
        else:
            self._namespace_update(options["namespace"], options["folder"], options["delete"])

    def _report(self, files: list[Path]) -> int:
        errors = 0
        for path in files:
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                self.stderr.write(f"{path}: cannot read: {error}")
                errors += 1
                continue
            for report in services.flows_validate(source):
                label = f"{path}" + (f" (document {report.index + 1})" if report.index else "")
                for warning in report.warnings:
                    self.stdout.write(f"{label}: warning: {warning}")
                if report.violations:
                    errors += len(report.violations)
                    for violation in report.violations:
                        line = f" (line {violation.line})" if violation.line else ""
                        self.stderr.write(f"{label}: {violation}{line}")
                else:
                    self.stdout.write(f"{label}: {report.namespace}.{report.flow_id} is valid")
        return errors

    def _validate(self, paths: list[str]) -> None:
        files = flow_files(paths)
        if not files:
            raise CommandError("no flow files found (*.yaml, *.yml)")
        errors = self._report(files)
        if errors:
            raise CommandError(f"{errors} error(s) in {len(files)} file(s)")
        self.stdout.write(f"{len(files)} file(s) valid")

    def _namespace_update(self, namespace: str, folder: str, delete: bool) -> None:
        if not Path(folder).is_dir():
            raise CommandError(f"{folder}: not a folder")
        files = flow_files([folder])
        if self._report(files):
            raise CommandError("nothing was changed: fix the errors above first")
        source = "\n---\n".join(p.read_text(encoding="utf-8") for p in files)
        try:
            flows = services.flows_update_namespace(
                namespace=namespace, source=source, delete=delete
            )
        except InvalidInput as error:
            raise CommandError(f"nothing was changed:\n{error.message}") from error
        for flow in flows:
            self.stdout.write(f"{flow.namespace}.{flow.flow_id} revision {flow.revision}")
        self.stdout.write(f"{len(flows)} flow(s) in namespace {namespace}")
