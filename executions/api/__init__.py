"""The execution and log API on Kestra's paths (`/api/v1/{tenant}/executions/...`, `/logs/...`)."""
