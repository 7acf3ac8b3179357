"""Classic template-injection escapes, all refused; and the limits on memory and CPU."""

from __future__ import annotations

from typing import Any

import pytest

from executions.templating import Functions, Limits, Renderer, SandboxViolation, TemplateError


class Secretive:
    """A Python object in the context: templates must not reach its attributes or methods."""

    token = "s3cr3t"

    def leak(self) -> str:
        return self.token


R = Renderer(Functions(read=lambda path: "file"))
CONTEXT: dict[str, Any] = {"x": "text", "items": [1], "obj": Secretive(), "data": {"k": "v"}}

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ x.__class__ }}",
    "{{ ''['__class__'] }}",
    "{{ x['__cla' ~ 'ss__'] }}",
    "{{ [].__class__.__base__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ range.__globals__ }}",
    "{{ __import__('os').system('id') }}",
    "{{ __builtins__ }}",
    "{{ '{0.__class__}'.format(x) }}",
    "{{ x.format_map(data) }}",
    "{{ x.mro() }}",
    "{{ obj.__dict__ }}",
    "{{ obj._private }}",
    "{{ obj.func_globals }}",
    "{{ obj.gi_frame }}",
    "{{ obj.cr_frame }}",
    "{% for i in items %}{{ loop.__class__ }}{% endfor %}",
    "{% for i in items %}{{ loop._iterator }}{% endfor %}",
    "{% macro m() %}{% endmacro %}{{ m.__globals__ }}",
    "{% set c = x.__class__ %}{{ c }}",
    '{{ "#{x.__class__}" }}',
    "{{ data | jq('$ENV') }}",
    "{{ read('../../etc/passwd') }}",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_escape_attempts_are_refused(template: str) -> None:
    with pytest.raises(SandboxViolation) as error:
        R.render(template, CONTEXT)
    assert "not allowed" in str(error.value)


@pytest.mark.parametrize(
    "template",
    [
        "{{ obj.token }}",
        "{{ obj.leak() }}",
        "{{ obj['token'] }}",
        "{{ config.items() }}",
        "{{ request.environ }}",
        "{{ x | attr('upper') }}",
        "{{ x.upper() }}",
    ],
)
def test_python_attributes_and_methods_are_unreachable(template: str) -> None:
    with pytest.raises(TemplateError):
        R.render(template, CONTEXT)


def test_dunder_keys_of_plain_data_are_refused_too() -> None:
    with pytest.raises(SandboxViolation):
        R.render("{{ data['__init__'] }}", {"data": {"__init__": 1}})


def test_data_keys_named_like_python_internals_still_work_on_maps() -> None:
    assert (
        R.render("{{ task.format }} {{ task.mro }}", {"task": {"format": "f", "mro": "m"}}) == "f m"
    )


def test_range_length_is_capped() -> None:
    with pytest.raises(TemplateError, match="more than"):
        R.render("{{ range(0, 100000000) }}", {})
    with pytest.raises(TemplateError, match="more than"):
        R.render("{{ 0..100000000 }}", {})


def test_loop_iterations_are_capped() -> None:
    renderer = Renderer(limits=Limits(max_iterations=1000))
    template = "{% for i in range(1, 100) %}{% for j in range(1, 100) %}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateError, match="Too many loop iterations"):
        renderer.render(template, {})


def test_string_growth_is_capped() -> None:
    template = "{% set s = 'xxxxxxxx' %}{% for i in range(1, 40) %}{% set s = s ~ s %}{% endfor %}"
    with pytest.raises(TemplateError, match="size limit"):
        R.render(template, {})
    with pytest.raises(TemplateError, match="size limit"):
        Renderer(limits=Limits(max_output=1000)).render("{{ 'a\nb' | indent(100000) }}", {})


def test_recursive_macros_fail_cleanly() -> None:
    with pytest.raises(TemplateError, match="recursion"):
        R.render(
            "{% macro loop_forever(n) %}{{ loop_forever(n) }}{% endmacro %}{{ loop_forever(1) }}",
            {},
        )
