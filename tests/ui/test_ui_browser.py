"""The web UI in a real headless Chromium (Debian's package, driven by Playwright) against a
live server and a real executor and worker: log in, write a flow in the editor (a validation
error appears, then goes once fixed), run it from the generated form with a file, watch its
logs arrive live, kill it, and restart a failed execution.

With KESTRA_UI_SCREENSHOTS=<folder>, the main pages are also saved there as PNGs (the README's
screenshots come from `KESTRA_UI_SCREENSHOTS=docs/screenshots pytest tests/ui/test_ui_browser.py`).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import wait_for, wait_terminal

CHROMIUM = os.environ.get("KESTRA_CHROMIUM", "/usr/bin/chromium")

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - requirements-dev.txt pins it
    sync_playwright = None

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) or shutil.which("chromium")),
        reason=f"no Chromium at {CHROMIUM}: run scripts/browser.sh to install Debian's chromium",
    ),
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed"),
]

RUN_FLOW = """id: browser_run
namespace: company.ui
description: Reads an uploaded file, fans out, then waits
labels:
  team: data
inputs:
  - id: data
    type: FILE
  - id: who
    type: STRING
    defaults: browser
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Got {{ inputs.data }} for {{ inputs.who }}"
  - id: fan_out
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: left
        type: io.kestra.plugin.core.log.Log
        message: left branch
      - id: right
        type: io.kestra.plugin.core.log.Log
        message: right branch
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT3M
errors:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    level: ERROR
    message: failed
finally:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: done
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
"""

FLAKY_FLOW = """id: flaky
namespace: company.ui
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: starting
  - id: flaky
    type: io.kestra.plugin.core.log.Log
    message: "{{ taskrun.attemptsCount == 1 ? 'recovered' : ko }}"
"""


@pytest.fixture
def shots():
    folder = os.environ.get("KESTRA_UI_SCREENSHOTS")
    if not folder:
        return lambda page, name: None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.wait_for_timeout(300)
        page.screenshot(path=str(path / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def page(monkeypatch):
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM reads are
    # plain synchronous calls between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(60_000)
        tab = context.new_page()
        try:
            yield tab
        finally:
            # While Playwright's loop runs, Django keys connections to it: close the ones the
            # test opened meanwhile, or the test database cannot be dropped at the end.
            from django.db import connections

            connections.close_all()
            context.close()
            browser.close()


def _set_source(page, text: str) -> None:
    page.fill("#source", text)  # fires `input`, as typing does


def test_browser_journey(running, live_server, user, password, page, shots, tmp_path):
    from executions.models import Execution, TaskRun

    base = live_server.url
    expect.set_options(timeout=60_000)

    # Every page needs a signed-in user: the browser lands on the login form.
    page.goto(f"{base}/ui/flows/")
    expect(page).to_have_url(re.compile(r"/ui/login/\?next="))
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("#login")
    expect(page).to_have_url(f"{base}/ui/flows/")

    # The editor: a wrong task type is reported on its line while typing, then fixed.
    page.goto(f"{base}/ui/flows/new/")
    broken = RUN_FLOW.replace('core.log.Log\n    message: "Got', 'core.log.Lag\n    message: "Got')
    _set_source(page, broken)
    error = page.locator("#problems li.error").first
    expect(error).to_contain_text("line 14")
    expect(error).to_contain_text("io.kestra.plugin.core.log.Lag")
    expect(page.locator('#editor .gutter div.err[data-line="14"]')).to_have_count(1)
    _set_source(page, RUN_FLOW)
    expect(page.locator("#valid")).to_be_visible()
    expect(page.locator('#graph svg [data-task-id="fan_out"]')).to_have_count(1)
    expect(page.locator('#graph svg [data-task-id="nightly"]')).to_have_count(1)
    page.click("#save")
    expect(page).to_have_url(f"{base}/ui/flows/company.ui/browser_run/")
    expect(page.locator(".messages")).to_contain_text("created (revision 1)")
    expect(page.locator("#graph .node")).not_to_have_count(0)
    shots(page, "editor")

    # Run it from the generated form, with a file.
    page.click("#execute")
    upload = tmp_path / "numbers.csv"
    upload.write_text("a,b\n1,2\n")
    page.set_input_files("input[name=data]", str(upload))
    page.fill("input[name=who]", "the browser test")
    page.click("#run")
    expect(page).to_have_url(re.compile(r"/ui/executions/\w+/$"))
    execution_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    # The logs arrive live (server-sent events) while the execution runs.
    expect(page.locator("#logs")).to_contain_text(
        "Got kestra:///company/ui/browser_run/executions/"
    )
    expect(page.locator("#logs")).to_contain_text("for the browser test")
    expect(page.locator("#logs")).to_contain_text("right branch")
    wait_for(
        lambda: TaskRun.objects.filter(
            execution_id=execution_id, task_id="wait", state="RUNNING"
        ).exists(),
        timeout=60,
    )
    expect(page.locator('#gantt .row[data-task-id="wait"]')).to_have_attribute(
        "data-state", "RUNNING"
    )
    expect(page.locator('#live svg .node[data-task-id="hello"]')).to_have_attribute(
        "data-state", "SUCCESS"
    )
    # Filter the logs by task: only that task's lines stay.
    page.select_option("#log-task", "left")
    expect(page.locator("#logs .line")).to_have_count(1)
    expect(page.locator("#logs")).to_contain_text("left branch")
    page.select_option("#log-task", "")
    shots(page, "execution")

    # Kill the running execution.
    page.click("#kill")
    expect(page.locator("#execution-state")).to_have_text("KILLED")
    assert wait_terminal(execution_id, timeout=60).state == "KILLED"
    row = Execution.objects.get(pk=execution_id)
    assert row.inputs["who"] == "the browser test"
    assert row.inputs["data"].endswith("/numbers.csv")

    # A flow that fails on its first attempt, restarted from its page.
    page.goto(f"{base}/ui/flows/new/")
    _set_source(page, FLAKY_FLOW)
    expect(page.locator("#valid")).to_be_visible()
    page.click("#save")
    expect(page).to_have_url(f"{base}/ui/flows/company.ui/flaky/")
    page.goto(f"{base}/ui/flows/company.ui/flaky/execute/")
    page.click("#run")
    expect(page).to_have_url(re.compile(r"/ui/executions/\w+/$"))
    flaky_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert wait_terminal(flaky_id, timeout=90).state == "FAILED"
    expect(page.locator("#execution-state")).to_have_text("FAILED")
    page.click("#restart")
    expect(page.locator("#execution-state")).to_have_text("SUCCESS")
    restarted = wait_terminal(flaky_id, timeout=90)
    assert restarted.state == "SUCCESS"
    assert "RESTARTED" in [h["state"] for h in restarted.state_histories]
    flaky_run = TaskRun.objects.get(execution_id=flaky_id, task_id="flaky")
    assert len(flaky_run.attempts) == 2
    expect(page.locator("#logs")).to_contain_text("recovered")

    # The executions list refreshes itself: the finished runs are there with their states.
    page.goto(f"{base}/ui/executions/?namespace=company.ui")
    expect(page.locator(f'#executions tr[data-execution="{execution_id}"]')).to_have_attribute(
        "data-state", "KILLED"
    )
    expect(page.locator(f'#executions tr[data-execution="{flaky_id}"]')).to_have_attribute(
        "data-state", "SUCCESS"
    )

    # The other main pages render (and are what the README shows).
    page.goto(f"{base}/ui/")
    expect(page.locator("#kpi-total")).not_to_have_text("0")
    shots(page, "dashboard")
    page.goto(f"{base}/ui/flows/")
    expect(page.locator('#flows tr[data-flow="company.ui.browser_run"]')).to_have_count(1)
    shots(page, "flows")
    page.goto(f"{base}/ui/triggers/")
    expect(
        page.locator('#triggers tr[data-trigger="company.ui.browser_run.nightly"]')
    ).to_have_count(1)
    shots(page, "triggers")
    page.goto(f"{base}/ui/workers/")
    expect(page.locator("#workers tr[data-worker]")).not_to_have_count(0)
    shots(page, "workers")

    # Logging out ends the session.
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/ui/login/"))
    page.goto(f"{base}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login/\?next="))
