"""Pebble syntax: literals, operators and their precedences, tags, whitespace control."""

from __future__ import annotations

from typing import Any

import pytest

from executions.templating import Renderer, TemplateError

R = Renderer()


def r(template: str, **context: Any) -> str:
    return R.render(template, context)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 1 }}", "1"),
        ("{{ 12L }}", "12"),
        ("{{ 1.5 }}", "1.5"),
        ("{{ 'single' }}{{ \"double\" }}", "singledouble"),
        ("{{ 'it\\'s' }}", "it's"),
        ('{{ "say \\"hi\\"" }}', 'say "hi"'),
        ("{{ 'a\\d' }}", "a\\d"),  # Pebble keeps other backslashes
        ("{{ true }} {{ TRUE }} {{ false }}", "true true false"),
        ("{{ null }}|{{ none }}|{{ NULL }}", "||"),
        ("{{ [1, 'a', true] }}", '[1,"a",true]'),
        ("{{ [] }}{{ {} }}", "[]{}"),
        ('{{ {"a": 1, "b": [2]} }}', '{"a":1,"b":[2]}'),
        ("{{ {'a': {'b': 1}} }}", '{"a":{"b":1}}'),
        ("{{ \"Hello #{name ~ '!'} end\" }}", "Hello Bob! end"),
        ("{{ 'no #{interpolation} here' }}", "no #{interpolation} here"),
    ],
)
def test_literals(template: str, expected: str) -> None:
    assert r(template, name="Bob") == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 1 + 2 * 3 }}", "7"),
        ("{{ (1 + 2) * 3 }}", "9"),
        ("{{ 7 / 2 }}", "3"),  # Java integer division
        ("{{ -7 / 2 }}", "-3"),
        ("{{ 7.0 / 2 }}", "3.5"),
        ("{{ 7 % 3 }} {{ -7 % 3 }}", "1 -1"),  # Java remainder keeps the dividend's sign
        ("{{ 10 - 2 - 3 }}", "5"),
        ("{{ -3 }} {{ +3 }} {{ -(1 + 2) }}", "-3 3 -3"),
        ("{{ 0.1 + 0.2 }}", "0.30000000000000004"),
        ("{{ 'a' + 1 }} {{ 1 + 'a' }}", "a1 1a"),
        ("{{ [1, 2] + 3 }} {{ [1, 2] + [3] }} {{ [1, 2, 3] - 2 }}", "[1,2,3] [1,2,3] [1,3]"),
        ("{{ 'a' ~ 1 ~ true ~ null ~ 1.0 }}", "a1true1.0"),
        ("{{ 'x' ~ {'a': 1} ~ [1, 2] }}", "x{a=1}[1, 2]"),  # Java toString, not JSON
        ("{{ 1 == 1.0 }} {{ 1 equals 1 }} {{ 'a' != 'b' }} {{ '1' == 1 }}", "true true true false"),
        ("{{ true == 1 }} {{ null == null }}", "false true"),
        (
            "{{ 2 > 1 }} {{ 2 >= 2 }} {{ 1 < 2 }} {{ 3 <= 2 }} {{ null > 1 }}",
            "true true true false false",
        ),
        ("{{ true and false }} {{ true or false }} {{ not true }}", "false true false"),
        ("{{ not false and false }}", "false"),  # not binds tighter than and
        ("{{ 1 and 'x' }} {{ 0 or '' }}", "true false"),
        ("{{ 1..3 }} {{ 3..1 }} {{ range(3, 1, -1) }}", "[1,2,3] [] [3,2,1]"),
        (
            "{{ 'abc' contains 'b' }} {{ [1, 2] contains 2 }} {{ [1, 2] contains [1, 2] }}",
            "true true true",
        ),
        ("{{ {'k': 1} contains 'k' }} {{ null contains 1 }}", "true false"),
        ("{{ 'a' ~ 'b' | upper }}", "AB"),  # ~ binds tighter than a filter
        ("{{ 1 + 2 | abs }}", "3"),
        ("{{ 2 == 1 + 1 ? 'y' : 'n' }}", "y"),
        ("{{ false ? 'a' : true ? 'b' : 'c' }}", "b"),
        ("{{ null ? 'a' : 'b' }}", "b"),
        ("{{ 'text' ? 'a' : 'b' }} {{ 0 ? 'a' : 'b' }}", "a b"),
        ("{{ (x ?? 'd') == 'd' }}", "true"),
    ],
)
def test_operators(template: str, expected: str) -> None:
    assert r(template) == expected


def test_comparing_things_that_are_not_numbers_fails() -> None:
    with pytest.raises(TemplateError, match="mathematical comparison"):
        r("{{ {} > 1 }}")
    with pytest.raises(TemplateError, match="mathematical operation"):
        r("{{ true * 2 }}")
    with pytest.raises(TemplateError, match="by zero"):
        r("{{ 1 / 0 }}")
    assert r("{{ 1.0 / 0 }}") == "Infinity"


def test_strings_compare_lexicographically() -> None:
    assert r("{{ 'a' < 'b' }}") == "true"


def test_attribute_access() -> None:
    context = {
        "outputs": {"1-2-1_return": {"s1": {"a a": {"value": "v"}}}},
        "block": {"test": {"child": "awesome"}},
        "inner": "test",
        "items": ["x", "y"],
    }
    assert R.render("{{ outputs['1-2-1_return'].s1['a a'].value }}", context) == "v"
    assert R.render("{{ block[inner].child }}", context) == "awesome"
    assert R.render("{{ block['test']['child'] }}", context) == "awesome"
    assert R.render("{{ items[1] }} {{ items['0'] }}", context) == "y x"
    assert R.render("{{ items.size }} {{ inner.length }} {{ items.empty }}", context) == "2 4 false"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ name.toUpperCase() }}", "BOB"),
        ("{{ name.substring(1) }} {{ name.substring(0, 1) }}", "ob B"),
        ("{{ name.replace('o', '0') }} {{ name.contains('ob') }}", "B0b true"),
        ("{{ 'a,b,c'.split(',')[1] }} {{ 'a1b2'.replaceAll('\\d', '-') }}", "b a-b-"),
        ("{{ name.startsWith('B') }} {{ name.length() }} {{ name.isEmpty() }}", "true 3 false"),
        (
            "{{ [1, 2].size() }} {{ {'a': 1}.containsKey('a') }} {{ {'a': 1}.keySet() }}",
            '2 true ["a"]',
        ),
    ],
)
def test_java_methods_used_by_flows(template: str, expected: str) -> None:
    assert r(template, name="Bob") == expected


def test_unknown_method_is_an_undefined_attribute() -> None:
    assert r("{{ name.nope() ?? 'fallback' }}", name="Bob") == "fallback"


def test_if_elseif_else() -> None:
    template = "{% if x > 2 %}big{% elseif x > 1 %}mid{% else %}small{% endif %}"
    assert [r(template, x=value) for value in (3, 2, 1)] == ["big", "mid", "small"]
    assert r("{% if x %}yes{% endif %}", x="false") == "yes"  # a non-empty string is true
    assert r("{% if x %}yes{% else %}no{% endif %}", x=0) == "no"
    with pytest.raises(TemplateError, match="null value given to"):
        r("{% if x %}yes{% endif %}", x=None)


def test_for_loops() -> None:
    template = (
        "{% for i in items %}{{ loop.index }}/{{ loop.length }}"
        "{{ loop.first ? 'F' : '' }}{{ loop.last ? 'L' : '' }}={{ i }} {% endfor %}"
    )
    assert r(template, items=["a", "b"]) == "0/2F=a 1/2L=b "
    assert r("{% for i in items %}x{% else %}empty{% endfor %}", items=[]) == "empty"
    assert r("{% for i in 1..3 %}{{ i }}{% endfor %}") == "123"
    assert r("{% for i in range(0, 4, 2) %}{{ i }}{% endfor %}") == "024"
    assert (
        r("{% for e in m %}{{ e.key }}={{ e.value }};{% endfor %}", m={"a": 1, "b": 2})
        == "a=1;b=2;"
    )
    assert r("{% for i in items %}{{ loop.revindex }}{% endfor %}", items=[1, 2, 3]) == "210"
    nested = (
        "{% for a in [1, 2] %}{% for b in [3] %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}"
        "{% endfor %}"
    )
    assert r(nested) == "130 230 "
    with pytest.raises(TemplateError, match="Not an iterable"):
        r("{% for c in 'abc' %}{% endfor %}")


def test_set_is_visible_after_a_loop_like_pebble() -> None:
    template = "{% set n = 0 %}{% for i in [1, 2, 3] %}{% set n = n + i %}{% endfor %}{{ n }}"
    assert r(template) == "6"
    assert r("{% set greeting = 'hi ' ~ who %}{{ greeting }}", who="you") == "hi you"
    assert r("{% for x in [1, 2] %}{% set x = x * 10 %}{{ x }},{% endfor %}") == "10,20,"


def test_map_entries_print_like_java() -> None:
    assert r("{% for e in m %}{{ e }};{% endfor %}", m={"a": 1, "b": [2]}) == "a=1;b=[2];"


def test_missing_macro_arguments_are_null() -> None:
    template = "{% macro m(a, b) %}[{{ a }}|{{ b }}|{{ b is null }}]{% endmacro %}{{ m(1) }}"
    assert r(template) == "[1||true]"


def test_macro_and_filter_tags() -> None:
    template = "{% macro tag(name, kind='b') %}<{{ kind }}>{{ name }}</{{ kind }}>{% endmacro %}"
    assert r(template + "{{ tag('x') }}{{ tag('y', 'i') }}") == "<b>x</b><i>y</i>"
    assert r("{% filter upper | trim %} hello {{ who }} {% endfilter %}", who="you") == "HELLO YOU"


def test_whitespace_control_comments_raw_and_verbatim() -> None:
    assert r("a  {{- 'b' -}}  \n c") == "abc"
    assert r("a\n{%- if true -%}\n b \n{%- endif %}") == "ab"
    assert r("a {# a comment #}b") == "a b"
    assert r("a {#- trimmed -#} b") == "ab"
    assert r("{% raw %}{{ x }}{% endraw %} {{ 1 }}") == "{{ x }} 1"
    assert r("{%raw%}{{ x }}{%endraw%}") == "{{ x }}"
    assert r("{% raw %}\n{% if %}\n{% endraw %}") == "\n{% if %}\n"
    assert r("{% verbatim %}{{ x }}{% endverbatim %}") == "{{ x }}"


def test_text_is_kept_exactly() -> None:
    assert r("line\r\nnext {{ 1 }}\n\n") == "line\r\nnext 1\n\n"
    assert r("{ not a tag } {{ '}}' }}") == "{ not a tag } }}"


@pytest.mark.parametrize(
    "template",
    [
        "{{ }}",
        "{{ 1 + }}",
        "{{ a b }}",
        "{{ | toJson }}",
        "{{ [1, 2 }}",
        "{% if true %}no end",
        "{% for x in y %}",
        "{% unknown %}",
        "{% include 'other' %}",
        "{{ 'unclosed }}",
        "{{ parents[0].taskrun.value == 'x' and {% for e in a %}{% endfor %} }}",
        "{% set true = 1 %}",
        "{{ f(a=1, 2) }}",
    ],
)
def test_syntax_errors(template: str) -> None:
    with pytest.raises(TemplateError):
        r(template, a=[], y=[])


def test_syntax_error_names_the_template_and_line() -> None:
    with pytest.raises(TemplateError, match=r"\(line one\n{{ 1 \+ }}:2\)"):
        r("line one\n{{ 1 + }}")
