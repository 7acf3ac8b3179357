"""Filters: Pebble's core ones and Kestra's, with the outputs Kestra's own tests expect."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from executions.templating import Renderer, SandboxViolation, TemplateError

R = Renderer()
VARS: dict[str, Any] = {
    "list": [1, 2, 3, 4, 5, 6, 7, 8, 9],
    "nested": ["a", ["b", "c"], "d"],
    "map": {"string": "string", "int": 1, "float": 1.123, "bool": True},
    "names": ["Alex", "Joe", "Bob"],
    "text": "first line\nsecond line",
}


def r(template: str, **context: Any) -> str:
    return R.render(template, {**VARS, **context})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'this is a long sentence.' | abbreviate(7) }}", "this..."),
        ("{{ 'short' | abbreviate(10) }}", "short"),
        ("{{ 'hello world' | capitalize }} {{ '  x' | capitalize }}", "Hello world   X"),
        ("{{ 'article title' | title }}", "Article Title"),
        ("{{ 'LOUD' | lower }} {{ 'quiet' | upper }} {{ 12 | upper }}", "loud QUIET 12"),
        ("[{{ '  padded  ' | trim }}]", "[padded]"),
        (
            "{{ 'a.b.c' | substringBefore('.') }} {{ 'a.b.c' | substringAfter(separator='.') }}",
            "a b.c",
        ),
        (
            "{{ 'a.b.c' | substringBeforeLast('.') }} {{ 'a.b.c' | substringAfterLast('.') }}",
            "a.b c",
        ),
        ("[{{ 'abc' | substringBefore('x') }}][{{ 'abc' | substringAfter('x') }}]", "[abc][]"),
        (
            "{{ 'Hello World' | startsWith('Hello') }} {{ 'report.csv' | endsWith('.txt') }}",
            "true false",
        ),
        ("{{ 'Hello World' | startsWith(value='World') }}", "false"),
        (
            "{{ \"Test\t\t\ntest*\" | slugify }} {{ 'Héllo Wörld!' | slugify }}",
            "test-test hello-world",
        ),
        ("{{ 'john doe is john doe' | replace({'john': 'jane'}) }}", "jane doe is jane doe"),
        ("{{ 'aa1bb2cc3' | replace({'(\\d)': '-$1-'}, regexp=true) }}", "aa-1-bb-2-cc-3-"),
        (
            "{{ {'a': 'x1', 'b': [2]} | replace({'1': 'one', '2': 'two'}) }}",
            '{"a":"xone","b":["two"]}',
        ),
        ("{{ \"L'eau c'est la vie\" | escapeChar('single') }}", "L\\'eau c\\'est la vie"),
        ("{{ '\"Hello\"' | escapeChar('double') }}", '\\"Hello\\"'),
        ("{{ \"L'eau\" | escapeChar('shell') }}", "L'\\''eau"),
        ("{{ 'Kestra rulez !~*' | urlencode }}", "Kestra+rulez+%21%7E*"),
        ("{{ 'Kestra rulez !' | urlencode | urldecode }}", "Kestra rulez !"),
        (
            "{{ 'hello' | base64encode }} {{ 'aGVsbG8=' | base64decode }}"
            " {{ 'aGVsbG8' | base64decode }}",
            "aGVsbG8= hello hello",
        ),
        ("{{ 'a,b,,c,,' | split(',') }}", '["a","b","","c"]'),
        ("{{ 'a1b2c' | split('\\d', 2) }}", '["a","b2c"]'),
        ("{{ 'string' | indent(2) }}", "string"),
        ("{{ text | indent(2) }}", "first line\n  second line"),
        ("{{ text | nindent(2) }}", "\n  first line\n  second line"),
        ("{{ \"a\r\nb\" | indent(1, '\t') }}", "a\r\n\tb"),
        ("{{ '' | nindent(2) }}{{ null | indent(2) }}", ""),
        ("{{ 1 | nindent(2) }}", "\n  1"),
        (
            "{{ map | string }} {{ 1 | string }}",
            '{"string":"string","int":1,"float":1.123,"bool":true} 1',
        ),
    ],
)
def test_string_filters(template: str, expected: str) -> None:
    assert r(template) == expected


def test_escape_and_raw() -> None:
    assert r("{{ v | escape }}", v='<a href="x">it\'s & co</a>') == (
        "&lt;a href=&quot;x&quot;&gt;it&#39;s &amp; co&lt;/a&gt;"
    )
    assert r("{{ 'a b&c' | escape('url_param') }} {{ 'x' | raw }}") == "a+b%26c x"
    assert r("{{ v | escape('js') }}", v="a'b\"\n") == "a\\'b\\\"\\n"
    with pytest.raises(TemplateError, match="strategy"):
        r("{{ 'x' | escape('nope') }}")


def test_hashes() -> None:
    for name in ("md5", "sha1", "sha256", "sha512"):
        assert r(f"{{{{ 'hello' | {name} }}}}") == hashlib.new(name, b"hello").hexdigest()
    with pytest.raises(TemplateError, match="Need a string"):
        r("{{ 12 | md5 }}")


def test_string_filter_errors() -> None:
    with pytest.raises(TemplateError, match="escapeChar"):
        r("{{ 'x' | escapeChar('foo') }}")
    with pytest.raises(TemplateError, match="Base64"):
        r("{{ '%%%' | base64decode }}")
    with pytest.raises(TemplateError, match="positive"):
        r("{{ 'a\nb' | indent(-1) }}")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ -3 | abs }} {{ -1.5 | abs }}", "3 1.5"),
        ("{{ list | chunk(2) }}", "[[1,2],[3,4],[5,6],[7,8],[9]]"),
        ("{{ list | first }} {{ list | last }} {{ 'Mitch' | first }} {{ [] | first }}|", "1 9 M |"),
        ("{{ names | join(',') }} {{ names | join }}", "Alex,Joe,Bob AlexJoeBob"),
        ("{{ [{'a': 1}, 2.0] | join('|') }}", "{a=1}|2.0"),
        ("{{ nested | flatten }} {{ nested | flatten | first }}", '["a","b","c","d"] a'),
        (
            "{{ {'this': 'foo', 'that': 'bar'} | keys }} {{ [0, 1, 3] | keys }}",
            '["this","that"] [0,1,2]',
        ),
        ("{{ {'this': 'foo', 'that': 'bar'} | values }}", '["foo","bar"]'),
        (
            "{{ names | length }} {{ 'abc' | length }} {{ map | length }} {{ null | length }}",
            "3 3 4 0",
        ),
        ("{{ [1, 2, 2, 3, 1] | distinct }}", "[1,2,3]"),
        (
            "{{ [3, 1, 2] | sort }} {{ [3, 1, 2] | rsort }} {{ [1, 2, 3] | reverse }}",
            "[1,2,3] [3,2,1] [3,2,1]",
        ),
        (
            "{{ list | slice(1, 3) }} {{ 'Mitchell' | slice(1, 3) }} {{ list | slice(7) }}",
            "[2,3] it [8,9]",
        ),
        ("{{ {'a': 1} | merge({'b': 2}) }} {{ [1] | merge([2, 3]) }}", '{"a":1,"b":2} [1,2,3]'),
        (
            "{{ null | default('x') }} {{ '  ' | default('x') }} {{ [] | default('x') }}"
            " {{ 0 | default('x') }}",
            "x x x 0",
        ),
        (
            "{{ '12.3' | number }} {{ '2147483647' | number + 1 }} {{ '0x1F' | number }}",
            "12.3 2147483648 31",
        ),
        ("{{ '12' | number('DOUBLE') }} {{ '1.50' | number('BIGDECIMAL') }}", "12.0 1.50"),
        (
            "{{ 1.232654 | numberFormat('#.##') }} {{ 1234.5 | numberFormat('#,##0.00') }}",
            "1.23 1,234.50",
        ),
        (
            "{{ 0.125 | numberFormat('0.00') }} {{ 0.5 | numberformat('#%') }}"
            " {{ 1234567.891 | numberFormat }}",
            "0.12 50% 1,234,567.891",
        ),
        (
            "{{ 'x' | className }} {{ 1 | className }} {{ map | className }}"
            " {{ 3000000000 | className }}",
            "java.lang.String java.lang.Integer java.util.LinkedHashMap java.lang.Long",
        ),
    ],
)
def test_collection_and_number_filters(template: str, expected: str) -> None:
    assert r(template) == expected


def test_collection_filter_errors() -> None:
    for template in (
        "{{ 1 | chunk(2) }}",
        "{{ 'x' | keys }}",
        "{{ 1 | join }}",
        "{{ 1 | values }}",
    ):
        with pytest.raises(TemplateError):
            r(template)
    with pytest.raises(TemplateError, match="toIndex must be smaller"):
        r("{{ [1] | slice(0, 5) }}")
    with pytest.raises(TemplateError, match="null value"):
        r("{{ null | abs }}")
    with pytest.raises(TemplateError, match="not a valid number"):
        r("{{ 'abc' | number }}")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "{{ map.string | toJson }} {{ map.int | toJson }} {{ map.float | toJson }}",
            '"string" 1 1.123',
        ),
        ("{{ [1, 2, 3] | toJson }} {{ true | json }} {{ null | toJson }}", "[1,2,3] true null"),
        ('{{ {"empty_object": {}} | toJson }}', '{"empty_object":{}}'),
        ("{{ [1, 2, 3] | jq('.[0]') | first }}", "1"),
        ("{{ my | jq('.test[0]') }}", "[1]"),
        ("{{ my | jq('.test[]') }}", "[1,2,3]"),
        ("{{ my | jq('.test | length') | first }}", "3"),
        ("{{ '{\"key\": \"my-complex\"}' | jq('.key') }}", '["my-complex"]'),
        ("{{ my | jq('.missing') }}", "[null]"),
        ("{% set o = my | jq('.object') %}{{ o[0].key }}", "value"),
        ("{{ map.string | yaml }}", "string\n"),
        ('{{ ["string", 1, 1.123] | yaml }}', " - string\n - 1\n - 1.123\n"),
        (
            "{{ {'int': 1, 'flag': true, 'text': 'a: b', 'none': null} | yaml }}",
            'int: 1\nflag: true\ntext: "a: b"\nnone: null\n',
        ),
        ("{{ {'a': {'b': [1, 2]}} | yaml }}", "a:\n  b:\n   - 1\n   - 2\n"),
        ("{{ 'true' | yaml }}{{ '' | yaml }}", '"true"\n""\n'),
    ],
)
def test_data_filters(template: str, expected: str) -> None:
    assert r(template, my={"test": [1, 2, 3], "object": {"key": "value"}}) == expected


def test_jq_errors_and_sandbox() -> None:
    with pytest.raises(TemplateError, match="Invalid jq"):
        r("{{ [1] | jq('.[') }}")
    with pytest.raises(TemplateError, match="Unable to parse jq value"):
        r("{{ 'not json' | jq('.') }}")
    for expression in ("$ENV", "env.HOME", "input", "[inputs]", "$__loc__"):
        with pytest.raises(SandboxViolation):
            r(f"{{{{ {{}} | jq('{expression}') }}}}")
    assert r("{{ {'env': 1} | jq('.env') | first }}") == "1"
    assert r("{{ {} | jq('\"$ENV\"') | first }}") == "$ENV"
