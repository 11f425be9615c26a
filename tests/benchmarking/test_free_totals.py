"""The aggregate answers' linked audit leaves out a sum whose total nobody knows (in no answer,
no earlier answer and no other relation): it says nothing of its parts, and left in it tied a
voivodeship's centres into one programme. Intervals stay what they were; other relations stay."""

from __future__ import annotations

from benchmarking.answers import without_free_totals
from benchmarking.linked import Key, Relation, audit_family

T = "metric:contracts_signed:v1"


def key(scope: str, period: str) -> Key:
    return (T, scope, period, "count", "value")


A_MONTH, B_MONTH = key("c:a", "2024-01"), key("c:b", "2024-01")
A_WINDOW, B_WINDOW = key("c:a", "2024-Q1"), key("c:b", "2024-Q1")
A_FEB, A_MAR = key("c:a", "2024-02"), key("c:a", "2024-03")
REGION, COUNTRY = key("14", "2024-01"), key("PL", "2024-01")
REGION_SUM = Relation.total([A_MONTH, B_MONTH], REGION)
A_QUARTER = Relation.total([A_MONTH, A_FEB, A_MAR], A_WINDOW)


def test_a_sum_whose_total_nobody_knows_is_left_out_and_the_audit_stays_the_same() -> None:
    known = {A_MONTH, B_MONTH, A_WINDOW, A_FEB, A_MAR}
    kept = without_free_totals([REGION_SUM, A_QUARTER], known=known)
    assert kept == [A_QUARTER]
    published = {B_MONTH: 40, A_WINDOW: 30, A_FEB: 12}  # a's January and March hidden
    assert audit_family(published, kept) == {
        k: v for k, v in audit_family(published, [REGION_SUM, A_QUARTER]).items() if k != REGION
    }


def test_a_known_or_linked_total_and_a_free_part_keep_their_relation() -> None:
    known = {A_MONTH, B_MONTH}
    # The region's total shown (or hidden) before: its sum ties the centres together.
    assert without_free_totals([REGION_SUM], known=known | {REGION}) == [REGION_SUM]
    # The country known: the region is one of its parts, so its sum still says something.
    country = Relation.total([REGION, key("12", "2024-01")], COUNTRY)
    assert without_free_totals([REGION_SUM, country], known=known | {COUNTRY}) == [
        REGION_SUM,
        country,
    ]
    # An unknown part of a known total bounds the others (they add up to at most the total).
    part_unknown = Relation.total([A_MONTH, key("c:z", "2024-01")], REGION)
    assert without_free_totals([part_unknown], known={A_MONTH, REGION}) == [part_unknown]
    # Inequalities are never left out.
    at_most = Relation.at_most(A_MONTH, REGION)
    assert without_free_totals([at_most], known={A_MONTH}) == [at_most]
