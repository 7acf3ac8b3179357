"""Script tasks (shell and python Commands/Script) as local processes in a temporary directory."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from workers.plugins import files, namespace
from workers.plugins.base import LEVELS, RunContext, RunResult, TaskFailure, runnable
from workers.plugins.process import run_process

SCRIPTS = "io.kestra.plugin.scripts."
SHELL = ["/bin/sh", "-c"]
_PROTOCOL = re.compile(r"^::(\{.*\})::$")
# Pebble writes booleans and null the JSON way; a Python script reads them as names.
_PYTHON_PRELUDE = "true = True\nfalse = False\nnull = None\n"


class _Consumer:
    """Kestra's log consumer: `::{...}::` lines carry outputs/logs/metrics, others are logs."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.outputs: dict[str, Any] = {}
        self.metrics: list[dict[str, Any]] = []
        self.stdout = self.stderr = 0

    def __call__(self, line: str, is_stderr: bool) -> None:
        if is_stderr:
            self.stderr += 1
        else:
            self.stdout += 1
        match = _PROTOCOL.match(line)
        if match is None:
            self.ctx.log("ERROR" if is_stderr else "INFO", line)
            return
        try:
            command = json.loads(match.group(1))
        except ValueError as error:
            self.ctx.log("WARN", f"Invalid outputs '{error}'")
            return
        if not isinstance(command, dict):
            return
        if isinstance(command.get("outputs"), dict):
            self.outputs.update(command["outputs"])
        if isinstance(command.get("metrics"), list):
            self.metrics.extend(m for m in command["metrics"] if isinstance(m, dict))
        for entry in command.get("logs") or []:
            if isinstance(entry, dict):
                level = str(entry.get("level", "INFO")).upper().replace("WARNING", "WARN")
                self.ctx.log(level if level in LEVELS else "INFO", str(entry.get("message", "")))


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def write_input_files(
    ctx: RunContext, workdir: Path, raw: Any, extra_vars: dict[str, Any] | None = None
) -> None:
    """Write a map of name: content (or kestra:/// URI), or its JSON text, into workdir."""
    if raw is None:
        return
    mapping = ctx.renderer.render_value(raw, {**ctx.variables, **(extra_vars or {})})
    if isinstance(mapping, str):
        try:
            mapping = json.loads(mapping)
        except ValueError:
            raise TaskFailure("`inputFiles` must be a map of file names to contents") from None
    if not isinstance(mapping, dict):
        raise TaskFailure("`inputFiles` must be a map of file names to contents")
    for name, content in mapping.items():
        try:
            target = files.safe_join(workdir, str(name))
        except files.PathError:
            raise TaskFailure(f"Invalid input file name '{name}'") from None
        target.parent.mkdir(parents=True, exist_ok=True)
        text = "" if content is None else str(content)
        if text.startswith(files.SCHEME):
            files.download(ctx, text, target)
        else:
            target.write_text(text)


def _output_files(ctx: RunContext, workdir: Path) -> dict[str, str]:
    patterns = _strings(ctx.render(ctx.task.get("outputFiles")))
    uploaded = {}
    for path in files.matching(workdir, patterns):
        relative = path.relative_to(workdir).as_posix()
        with open(path, "rb") as handle:
            uploaded[relative] = files.put_task_file(ctx, path.name, handle)
    return uploaded


def _environment(ctx: RunContext, workdir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRET_")}
    # Python tasks run with the worker's interpreter (and its packages, `kestra` included).
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["WORKING_DIR"] = str(workdir)
    env.update(extra)
    rendered = ctx.render(ctx.task.get("env") or {})
    env.update({str(k): "" if v is None else str(v) for k, v in rendered.items()})
    return env


def _command_text(ctx: RunContext, value: Any, workdir: Path) -> list[str]:
    lines = []
    for item in _strings(value):
        text = ctx.renderer.render(item, {**ctx.variables, "workingDir": str(workdir)})
        lines.append(files.localize_uris(ctx, text, workdir))
    return lines


def run_script(ctx: RunContext, build: Any, *, python: bool = False) -> dict[str, Any] | RunResult:
    """Set up the working directory, run `build(ctx, workdir) -> commands`, collect outputs."""
    with files.task_directory(ctx) as workdir:
        namespace.copy_namespace_files(ctx, workdir)
        extra = {"workingDir": str(workdir)}
        write_input_files(ctx, workdir, ctx.task.get("inputFiles"), extra)
        commands = build(ctx, workdir)
        before = _command_text(ctx, ctx.task.get("beforeCommands"), workdir)
        if ctx.render(ctx.task.get("failFast", True)) not in (False, "false"):
            before = ["set -e", *before]
        interpreter = _strings(ctx.render(ctx.task.get("interpreter"))) or SHELL
        argv = [*interpreter, "\n".join([*before, *commands])]
        extra_env = {"PYTHONUNBUFFERED": "true"} if python else {}
        env = _environment(ctx, workdir, extra_env)
        consumer = _Consumer(ctx)
        ctx.log("DEBUG", f"Starting command [{' '.join(argv)}]")
        code = run_process(ctx, argv, workdir, env, consumer)
        outputs = {
            "vars": consumer.outputs,
            "exitCode": code,
            "outputFiles": _output_files(ctx, workdir),
        }
    if ctx.cancel.cancelled:
        return RunResult("KILLED", outputs, ctx.cancel.reason)
    if code != 0:
        return RunResult("FAILED", outputs, f"Command failed with exit code {code}")
    warn = ctx.render(ctx.task.get("warningOnStdErr", True)) not in (False, "false")
    if warn and consumer.stderr > 0:
        return RunResult("WARNING", outputs)
    return outputs


def _commands(ctx: RunContext, workdir: Path) -> list[str]:
    if ctx.task.get("commands") is None:
        raise TaskFailure("Missing property `commands`")
    return _command_text(ctx, ctx.task["commands"], workdir)


def _shell_script(ctx: RunContext, workdir: Path) -> list[str]:
    if ctx.task.get("script") is None:
        raise TaskFailure("Missing property `script`")
    return _command_text(ctx, ctx.task["script"], workdir)


def _python_script(ctx: RunContext, workdir: Path) -> list[str]:
    if ctx.task.get("script") is None:
        raise TaskFailure("Missing property `script`")
    script = "\n".join(_command_text(ctx, ctx.task["script"], workdir))
    path = workdir / f"script-{os.urandom(4).hex()}.py"
    path.write_text(_PYTHON_PRELUDE + script)
    return [f"'{sys.executable}' '{path}'"]


def _warn_dependencies(ctx: RunContext) -> None:
    if ctx.task.get("dependencies"):
        ctx.log("WARN", "`dependencies` are not installed: the worker's Python environment is used")


@runnable(SCRIPTS + "shell.Commands")
def shell_commands(ctx: RunContext) -> dict[str, Any] | RunResult:
    """Run `commands` with the interpreter (`/bin/sh -c`)."""
    return run_script(ctx, _commands)


@runnable(SCRIPTS + "shell.Script")
def shell_script(ctx: RunContext) -> dict[str, Any] | RunResult:
    """Run the inline `script` with the interpreter (`/bin/sh -c`)."""
    return run_script(ctx, _shell_script)


@runnable(SCRIPTS + "python.Script")
def python_script(ctx: RunContext) -> dict[str, Any] | RunResult:
    """Write `script` to a .py file and run it with the worker's Python."""
    _warn_dependencies(ctx)
    return run_script(ctx, _python_script, python=True)


@runnable(SCRIPTS + "python.Commands")
def python_commands(ctx: RunContext) -> dict[str, Any] | RunResult:
    """Run `commands` with the worker's Python first on PATH."""
    _warn_dependencies(ctx)
    return run_script(ctx, _commands, python=True)
