"""Date filters and now(), against the expectations of Kestra's DateFilterTest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from executions.templating import Functions, Renderer, TemplateError

ZONED = datetime(2013, 9, 8, 16, 19, 12, 123456, tzinfo=timezone(timedelta(hours=1)))
INSTANT = datetime(2013, 9, 8, 15, 19, 12, tzinfo=UTC)
LOCAL = ZONED.replace(tzinfo=None)
R = Renderer()


def r(template: str, **context: Any) -> str:
    return R.render(template, {"zoned": ZONED, "instant": INSTANT, "local": LOCAL, **context})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "{{ instant | date(format='iso', timeZone='Europe/Paris') }}",
            "2013-09-08T17:19:12.000000+02:00",
        ),
        (
            '{{ instant | date(format="iso_sec", timeZone="Europe/Paris") }}',
            "2013-09-08T17:19:12+02:00",
        ),
        (
            '{{ zoned | date(format="iso", timeZone="Europe/Paris") }}',
            "2013-09-08T17:19:12.123456+02:00",
        ),
        (
            '{{ local | date(format="yyyy-MM-dd HH:mm:ss.SSSSSSXXX", timeZone="Europe/Paris") }}',
            "2013-09-08 16:19:12.123456+02:00",
        ),
        (
            '{{ local | date(format="yyyy-MM-dd HH:mm:ss.SSSSSSXXX", timeZone="UTC") }}',
            "2013-09-08 16:19:12.123456Z",
        ),
        (
            '{{ "July 24, 2001" | date("yyyy-MM-dd", existingFormat="MMMM dd, yyyy") }}',
            "2001-07-24",
        ),
        (
            '{{ "2013-09-08T17:19:12+02:00" | date(timeZone="Europe/Paris") }}',
            "2013-09-08T17:19:12.000000+02:00",
        ),
        (
            '{{ "2013-09-08T17:19:12" | date(timeZone="Europe/Paris") }}',
            "2013-09-08T17:19:12.000000+02:00",
        ),
        ('{{ "2013-09-08" | date(timeZone="Europe/Paris") }}', "2013-09-08T00:00:00.000000+02:00"),
        (
            "{{ 'Tue, 08 Feb 2022 19:38:26 GMT' | date(existingFormat='rfc_1123_date_time',"
            ' timeZone="Europe/Paris") }}',
            "2022-02-08T20:38:26.000000+01:00",
        ),
        ('{{ zoned | timestamp(timeZone="Europe/Paris") }}', "1378653552"),
        ("{{ zoned | timestampMilli }}", "1378653552123"),
        ('{{ zoned | timestampMicro(timeZone="Europe/Paris") }}', "1378653552123456"),
        ('{{ zoned | timestampNano(timeZone="Europe/Paris") }}', "1378653552123456000"),
        ("{{ (zoned | timestamp) > (zoned | dateAdd(-1, 'DAYS') | timestamp) }}", "true"),
        (
            '{{ zoned | dateAdd(-1,"DAYS",timeZone="Europe/Paris")}}',
            "2013-09-07T17:19:12.123456+02:00",
        ),
        ("{{ '2024-01-31' | dateAdd(1, 'MONTHS', format='yyyy-MM-dd') }}", "2024-02-29"),
        (
            "{{ '2024-03-30T12:00:00' | dateAdd(1, 'DAYS', timeZone='Europe/Paris') }}",
            "2024-03-31T12:00:00.000000+02:00",
        ),
        (
            "{{ '2024-03-30T12:00:00' | dateAdd(24, 'HOURS', timeZone='Europe/Paris') }}",
            "2024-03-31T13:00:00.000000+02:00",
        ),
        ("{{ instant | date('yyyy-MM-dd') }}", "2013-09-08"),
        ("{{ '2024-01-15T10:30:00.5Z' | date('yyyy-MM-dd HH:mm') }}", "2024-01-15 10:30"),
        ("{{ 1378653552 | date('iso_sec') }}", "2013-09-08T15:19:12Z"),
        ("{{ d | date('yyyy-MM-dd HH:mm') }}", "2013-09-08 12:00"),  # a LocalDate is taken at noon
    ],
)
def test_kestra_date_expectations(template: str, expected: str) -> None:
    assert r(template, d=date(2013, 9, 8)) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2013-09-08T17:19:12.123+02:00"),
        ("yy/M/d H:m:s", "13/9/8 17:19:12"),
        ("EEE, MMM d yyyy", "Sun, Sep 8 2013"),
        ("EEEE MMMM dd", "Sunday September 08"),
        ("hh:mm a", "05:19 PM"),
        ("D 'day' w 'week' Q 'quarter' QQQ", "251 day 36 week 3 quarter Q3"),
        ("VV z O XX xxx Z ZZZZZ", "Europe/Paris CEST GMT+2 +0200 +02:00 +0200 +02:00"),
        ("'quoted ''text''' HH", "quoted 'text' 17"),
        ("iso_local_date", "2013-09-08"),
        ("iso_date_time", "2013-09-08T17:19:12.123456+02:00[Europe/Paris]"),
        ("iso_offset_time", "17:19:12.123456+02:00"),
        ("iso_instant", "2013-09-08T15:19:12.123456Z"),
        ("iso_week_date", "2013-W36-7+02:00"),
        ("iso_ordinal_date", "2013-251+02:00"),
        ("rfc_1123_date_time", "Sun, 8 Sep 2013 17:19:12 +0200"),
        ("sql", "2013-09-08 17:19:12.123456"),
        ("short", "9/8/13, 5:19\u202fPM"),
        ("medium", "Sep 8, 2013, 5:19:12\u202fPM"),
    ],
)
def test_patterns(pattern: str, expected: str) -> None:
    assert r("{{ zoned | date(p, timeZone='Europe/Paris') }}", p=pattern) == expected


@pytest.mark.parametrize(
    ("text", "existing", "expected"),
    [
        ("08/09/2013 17:19", "dd/MM/yyyy HH:mm", "2013-09-08T17:19:00.000000Z"),
        ("20130908", "yyyyMMdd", "2013-09-08T00:00:00.000000Z"),
        ("2013-09-08 05:19:12 PM +0200", "yyyy-MM-dd hh:mm:ss a Z", "2013-09-08T15:19:12.000000Z"),
        ("2013-09-08T17:19:12.123+02:00", "iso_date_time", "2013-09-08T15:19:12.123000Z"),
        ("Sep 8, 2013", "MMM d, yyyy", "2013-09-08T00:00:00.000000Z"),
    ],
)
def test_existing_format(text: str, existing: str, expected: str) -> None:
    assert r("{{ t | date(existingFormat=e) }}", t=text, e=existing) == expected


def test_date_errors() -> None:
    with pytest.raises(TemplateError, match="could not be parsed"):
        r("{{ 'yesterday' | date }}")
    with pytest.raises(TemplateError, match="Unknown pattern letter"):
        r("{{ zoned | date('yyyy-bb') }}")
    with pytest.raises(TemplateError, match="Unknown time-zone"):
        r("{{ zoned | date(timeZone='Mars/Olympus') }}")
    with pytest.raises(TemplateError, match="Unsupported unit"):
        r("{{ zoned | dateAdd(1, 'FORTNIGHTS') }}")
    assert r("{{ null | date }}|{{ null | timestamp }}") == "|"


def test_now_uses_the_clock_and_formats() -> None:
    clock = Renderer(Functions(clock=lambda: datetime(2024, 5, 1, 8, 30, 0, 250000, tzinfo=UTC)))
    assert clock.render("{{ now() }}", {}) == "2024-05-01T08:30:00.250000Z"
    assert (
        clock.render("{{ now(timeZone='Europe/Paris') }}", {}) == "2024-05-01T10:30:00.250000+02:00"
    )
    assert clock.render("{{ now(format='iso_local_date') }}", {}) == "2024-05-01"
    assert clock.render("{{ now() | date('yyyy-MM-dd') }}", {}) == "2024-05-01"


def test_now_without_a_clock_is_the_current_time() -> None:
    rendered = Renderer().render("{{ now(format='yyyy-MM-dd') }}", {})
    assert rendered == datetime.now(UTC).strftime("%Y-%m-%d")


def test_execution_start_date_as_text_or_instant() -> None:
    for start in ("2024-01-15T10:30:00.123456Z", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)):
        context = {"execution": {"startDate": start}}
        assert R.render('{{ execution.startDate | date("yyyy-MM-dd") }}', context) == "2024-01-15"
