"""A DRF parser that hands YAML (and plain text) bodies to views as text, size-capped."""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "payload_too_large"


class YamlTextParser(BaseParser):
    """Flow sources are parsed by the flow spec, not here: this only reads and decodes the body."""

    media_type = "application/x-yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise PayloadTooLarge(f"Request body is larger than {limit} bytes.")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"Body is not valid UTF-8: {exc}") from exc


class YamlParser(YamlTextParser):
    media_type = "application/yaml"


class TextYamlParser(YamlTextParser):
    media_type = "text/yaml"


class PlainTextParser(YamlTextParser):
    media_type = "text/plain"
