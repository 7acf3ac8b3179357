"""The web UI views."""
