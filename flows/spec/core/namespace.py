"""Namespace file tasks: UploadFiles, DownloadFiles, DeleteFiles."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from flows.spec.core._common import CORE, FilesMap, FilesSpec
from flows.spec.plugins import RunnableTask
from flows.spec.types import Text


class UploadFiles(RunnableTask):
    """Upload files of the working directory (or a map of files) to a namespace."""

    type_names = (CORE + "namespace.UploadFiles",)

    namespace: Text
    files: list[Text] | None = None
    files_map: FilesMap | None = Field(None, alias="filesMap")
    destination: Text = "/"
    conflict: Literal["OVERWRITE", "ERROR", "SKIP"] = "OVERWRITE"


class DownloadFiles(RunnableTask):
    """Download namespace files."""

    type_names = (CORE + "namespace.DownloadFiles",)

    namespace: Text
    files: FilesSpec
    destination: Text = ""


class DeleteFiles(RunnableTask):
    """Delete namespace files."""

    type_names = (CORE + "namespace.DeleteFiles",)

    namespace: Text
    files: FilesSpec
