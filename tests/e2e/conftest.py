"""End-to-end fixtures (`cluster`, `running`) live in tests/conftest.py, shared with other test
packages; the waiting helpers are re-exported here for the tests that import them from here."""

from tests.conftest import wait_for, wait_terminal

__all__ = ["wait_for", "wait_terminal"]
