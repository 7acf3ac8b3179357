"""Script tasks: io.kestra.plugin.scripts.shell.{Commands,Script} and python.{Script,Commands}."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from flows.spec.common import NamespaceFiles
from flows.spec.core._common import FilesMap, TextOrList
from flows.spec.plugins import RunnableTask
from flows.spec.types import Dynamic, Text

SCRIPTS = "io.kestra.plugin.scripts."


class ScriptTask(RunnableTask):
    """What script tasks share (Kestra's AbstractExecScript)."""

    container_image: Text | None = Field(None, alias="containerImage")
    task_runner: dict[str, Any] | None = Field(None, alias="taskRunner")
    runner: Literal["PROCESS", "DOCKER"] | None = Field(
        None, json_schema_extra={"deprecated": True}
    )
    docker: dict[str, Any] | None = Field(None, json_schema_extra={"deprecated": True})
    before_commands: TextOrList | None = Field(None, alias="beforeCommands")
    env: dict[str, Text] | None = None
    warning_on_std_err: Dynamic[bool] = Field(True, alias="warningOnStdErr")
    interpreter: Dynamic[list[Text]] | None = None
    fail_fast: Dynamic[bool] = Field(True, alias="failFast")
    namespace_files: NamespaceFiles | None = Field(None, alias="namespaceFiles")
    input_files: FilesMap | None = Field(None, alias="inputFiles")
    output_files: list[Text] | None = Field(None, alias="outputFiles")
    output_directory: bool | None = Field(
        None, alias="outputDirectory", json_schema_extra={"deprecated": True}
    )
    target_os: Literal["LINUX", "WINDOWS", "AUTO"] | None = Field(None, alias="targetOS")


class PythonTask(ScriptTask):
    """Python-specific options (dependencies installed with uv or pip)."""

    dependencies: Dynamic[list[Text]] | None = None
    python_version: Text | None = Field(None, alias="pythonVersion")
    dependency_cache_enabled: Dynamic[bool] = Field(True, alias="dependencyCacheEnabled")
    package_manager: Literal["UV", "PIP"] | None = Field(None, alias="packageManager")


class ShellCommands(ScriptTask):
    """Run shell commands."""

    type_names = (SCRIPTS + "shell.Commands",)

    commands: TextOrList


class ShellScript(ScriptTask):
    """Run a shell script."""

    type_names = (SCRIPTS + "shell.Script",)

    script: Text


class PythonScript(PythonTask):
    """Run a Python script."""

    type_names = (SCRIPTS + "python.Script",)

    script: Text


class PythonCommands(PythonTask):
    """Run commands in a Python environment."""

    type_names = (SCRIPTS + "python.Commands",)

    commands: TextOrList


TYPES = (ShellCommands, ShellScript, PythonScript, PythonCommands)
