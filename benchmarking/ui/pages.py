"""The mark every benchmark page carries, and what a page says about the gate it went through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpResponse

from benchmarking.comparisons import disclosure_settings_json
from benchmarking.disclosure import gate_stamp

ViewT = TypeVar("ViewT", bound=Callable[..., HttpResponse])


def page(*, releases_aggregates: bool) -> Callable[[ViewT], ViewT]:
    """Mark a page view: does it show aggregates of casework (then it must build them through
    the disclosure gate, and tests/benchmarking/test_output_paths.py calls it to check that it
    does) or not (then that test wants a reason)? Every routed benchmark page carries the mark,
    the outermost decorator, so a new page cannot be added without saying which it is."""

    def mark(view: ViewT) -> ViewT:
        setattr(view, "releases_aggregates", releases_aggregates)  # noqa: B010
        return view

    return mark


def gate_context() -> dict[str, Any]:
    """The gate and its thresholds, as the API's ``disclosure`` key carries them."""
    return gate_stamp() | disclosure_settings_json()
