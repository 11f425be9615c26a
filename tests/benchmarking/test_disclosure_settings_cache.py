"""The gate's thresholds are read from Django's settings once per configuration (a comparison
page asks for them once per figure), and a changed setting is read afresh."""

from __future__ import annotations

from django.test import override_settings

from benchmarking.disclosure import DisclosureSettings


def test_the_settings_are_read_once_and_again_when_they_change() -> None:
    with override_settings(BENCHMARK_DISCLOSURE={"k": 7}):
        first = DisclosureSettings.from_django()
        assert first.k == 7
        assert DisclosureSettings.from_django() is first  # cached, not built again
        with override_settings(BENCHMARK_DISCLOSURE={"k": 12, "min_centres": 4}):
            inner = DisclosureSettings.from_django()
            assert (inner.k, inner.min_centres) == (12, 4)
        assert DisclosureSettings.from_django().k == 7
    with override_settings(BENCHMARK_DISCLOSURE=None):
        assert DisclosureSettings.from_django() == DisclosureSettings()


def test_a_setting_changed_in_place_is_not_served_stale() -> None:
    configured = {"k": 6}
    with override_settings(BENCHMARK_DISCLOSURE=configured):
        assert DisclosureSettings.from_django().k == 6
        configured["k"] = 9  # keyed on the items, not on the dict
        assert DisclosureSettings.from_django().k == 9
