"""The sign-in form with the login lockout's own message (kestra_site/throttle.py)."""

from __future__ import annotations

import math

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from kestra_site import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    @property
    def throttled(self) -> bool:
        return self.has_error("__all__", "throttled")

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        wait = throttle.locked_for(username, throttle.client_address(self.request))
        if wait:
            raise forms.ValidationError(
                "Too many failed sign-ins for this user: try again in %(seconds)d seconds.",
                code="throttled",
                params={"seconds": math.ceil(wait)},
            )
        return super().clean()
