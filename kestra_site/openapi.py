"""OpenAPI schema pieces shared by the API views' `extend_schema` annotations."""

# Views answering a JSON array: drf-spectacular takes a raw schema dict as it is.
OBJECT_LIST = {"type": "array", "items": {"type": "object", "additionalProperties": {}}}
STRING_LIST = {"type": "array", "items": {"type": "string"}}
