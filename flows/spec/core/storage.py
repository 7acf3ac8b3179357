"""Internal storage tasks: Write, Concat, Size, Delete, Split, Reverse, LocalFiles, filters."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from flows.spec.core._common import CORE, LEGACY, FilesMap, FilesSpec
from flows.spec.plugins import RunnableTask
from flows.spec.types import Dynamic, Text

STORAGES = LEGACY + "storages."


class Write(RunnableTask):
    """Write content to a file in internal storage."""

    type_names = (CORE + "storage.Write",)

    content: Text
    extension: Text = ".ion"


class Concat(RunnableTask):
    """Concatenate files into one."""

    type_names = (CORE + "storage.Concat", STORAGES + "Concat")

    files: FilesSpec
    separator: Text | None = None
    extension: Text = ".tmp"


class Size(RunnableTask):
    """The size of a file."""

    type_names = (CORE + "storage.Size", STORAGES + "Size")

    uri: Text


class Delete(RunnableTask):
    """Delete a file."""

    type_names = (CORE + "storage.Delete", STORAGES + "Delete")

    uri: Text
    error_on_missing: bool = Field(False, alias="errorOnMissing")


class Split(RunnableTask):
    """Split a file by size, rows or partitions."""

    type_names = (CORE + "storage.Split", STORAGES + "Split")

    from_: Text = Field(alias="from")
    bytes: Text | None = None
    partitions: Dynamic[int] | None = None
    rows: Dynamic[int] | None = None
    separator: Text = "\n"


class Reverse(RunnableTask):
    """Reverse the lines of a file."""

    type_names = (CORE + "storage.Reverse", STORAGES + "Reverse")

    from_: Text = Field(alias="from")
    separator: Text = "\n"
    charset: Text = "UTF-8"


class PurgeCurrentExecutionFiles(RunnableTask):
    """Delete the files of the current execution."""

    type_names = (
        CORE + "storage.PurgeCurrentExecutionFiles",
        STORAGES + "PurgeExecution",
        CORE + "storage.PurgeExecution",
    )


class LocalFiles(RunnableTask):
    """Deprecated: create local files and export outputs (use WorkingDirectory inputFiles)."""

    type_names = (CORE + "storage.LocalFiles", STORAGES + "LocalFiles")
    deprecated = True

    inputs: FilesMap | None = None
    outputs: list[Text] | None = None


class DeduplicateItems(RunnableTask):
    """Remove duplicate items of an ION file by a key expression."""

    type_names = (CORE + "storage.DeduplicateItems", STORAGES + "DeduplicateItems")

    from_: Text = Field(alias="from")
    expr: Text


class FilterItems(RunnableTask):
    """Keep or drop the items of an ION file by a condition."""

    type_names = (CORE + "storage.FilterItems", STORAGES + "FilterItems")

    from_: Text = Field(alias="from")
    filter_condition: Text = Field(alias="filterCondition")
    filter_type: Literal["INCLUDE", "EXCLUDE"] = Field("INCLUDE", alias="filterType")
    error_or_null_behavior: Literal["FAIL", "INCLUDE", "EXCLUDE"] = Field(
        "FAIL", alias="errorOrNullBehavior"
    )
