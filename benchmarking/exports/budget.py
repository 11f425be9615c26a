"""The differential-privacy budget of ministry exports: what each data year has spent, and what
the budgets mean together for one household, in plain Polish."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import Sum

from benchmarking import dp
from benchmarking.models import PrivacyLedgerEntry


def dp_settings() -> tuple[float, float]:
    configured = getattr(settings, "BENCHMARK_DP", {})
    return float(configured.get("rho_per_year", 1.0)), float(configured.get("delta", 1e-6))


def budget_spent(year: int) -> float:
    total = PrivacyLedgerEntry.objects.filter(budget_year=year).aggregate(total=Sum("rho"))
    return float(total["total"] or 0.0)


def budget_summary(year: int) -> dict[str, Any]:
    """The year's privacy budget, and what the budgets of all years mean together for one
    household: zCDP costs add up, so a household present in the data of several years is
    protected at most by the sum of what those years spent (``rho_spent_all_years``), and by
    the sum of the yearly budgets in the worst case (``rho_ceiling_years`` years × ρ)."""
    budget, delta = dp_settings()
    spent = budget_spent(year)
    by_year = {
        int(row["budget_year"]): float(row["total"])
        for row in PrivacyLedgerEntry.objects.values("budget_year").annotate(total=Sum("rho"))
    }
    return {
        "year": year,
        "rho_budget": budget,
        "rho_spent": round(spent, 6),
        "rho_remaining": round(max(budget - spent, 0.0), 6),
        "delta": delta,
        "mechanism": dp.MECHANISM,
        "privacy_unit": "gospodarstwo domowe w okresie sprawozdawczym",
        "rho_spent_all_years": round(sum(by_year.values()), 6),
        "rho_ten_years": round(10 * budget, 6),
        "years_released": sorted(by_year),
        "household_note": household_budget_note(budget, by_year),
    }


def household_budget_note(budget: float, by_year: Mapping[int, float]) -> str:
    """The per-household budget across years in plain Polish (shown on the DP export page)."""
    spent = sum(by_year.values())
    years = len(by_year)
    return (
        f"Budżet ρ = {budget:g} obowiązuje osobno dla danych każdego roku. Wszystkie wydania z "
        "szumem za jeden rok razem mogą powiedzieć o jednym gospodarstwie domowym najwyżej "
        f"tyle, na ile pozwala ρ = {budget:g}, także gdy gospodarstwo jest w obu półroczach. "
        "Gospodarstwo, które korzysta z pomocy przez kilka lat, występuje w danych każdego "
        "z tych lat, a koszty ρ się sumują: przy danych z N lat ochrona jednego gospodarstwa "
        f"odpowiada łącznie najwyżej N × {budget:g} (np. 10 lat – ρ = {10 * budget:g}). "
        f"Dotąd wydano z szumem dane z {years} "
        f"{'roku' if years == 1 else 'lat'}, łącznie ρ = {spent:g}: tyle najwięcej mogą "
        "ujawnić o gospodarstwie obecnym we wszystkich tych latach. Im mniejsze ρ, tym mniej "
        "wydania mówią o pojedynczym gospodarstwie (i tym więcej w nich szumu)."
    )
