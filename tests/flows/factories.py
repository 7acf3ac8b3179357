"""Small flow sources for tests."""


def flow_source(
    flow_id: str = "hello",
    namespace: str = "company.team",
    *,
    extra: str = "",
    message: str = "Hello",
) -> str:
    return (
        f"# a comment that must survive\n"
        f"id: {flow_id}\n"
        f"namespace: {namespace}\n"
        f"{extra}"
        f"tasks:\n"
        f"  - id: say\n"
        f"    type: io.kestra.plugin.core.log.Log\n"
        f"    message: {message}\n"
    )
