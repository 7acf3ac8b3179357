"""Kestra's typed execution inputs: reading, validating, defaults and secrets (pure)."""

from executions.inputs.errors import InputError
from executions.inputs.resolve import read_inputs
from executions.inputs.runtime import decrypt_secrets, secret_values, with_defaults

__all__ = ["InputError", "decrypt_secrets", "read_inputs", "secret_values", "with_defaults"]
