"""Serializer fields for text people type: the rule of ``opsplatform.text_rules`` on the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import empty

from opsplatform.text_rules import (
    ADDRESS_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    clean_text,
    looks_blank,
)


class TextField(serializers.CharField):
    """A ``CharField`` that refuses invisible and control characters (400 naming the field),
    counts a value of only such characters as blank and stores NFC. ``multiline`` text may hold
    line breaks and tabs. Without an explicit ``max_length`` one of the rule's bounds applies."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", LONG_TEXT_MAX_LENGTH if multiline else ADDRESS_MAX_LENGTH)
        self.multiline = multiline
        super().__init__(**kwargs)

    def run_validation(self, data: Any = empty) -> Any:
        if isinstance(data, str) and data.strip() and looks_blank(data) and not self.allow_blank:
            self.fail("blank")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return clean_text(value, multiline=self.multiline)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from None


class StringField(TextField):
    """A text field that takes only a JSON string. DRF's CharField turns a number into its digits,
    which silently loses the leading zero of a PESEL (``"02270803628"`` sent as ``2270803628``)
    or of a phone or document number."""

    default_error_messages = {
        "not_a_string": 'Podaj wartość jako tekst w cudzysłowie (np. "02270803628"), nie liczbę.'
    }

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)
