"""The audit's pattern does not depend on the order its relations or their terms come in: the
families are built from sets (``exports.family.family_relations``), whose order changes with
Python's hash seed from one process to the next, and two builds of the same export must hide
the same cells (``linked.canonical``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from benchmarking.linked import Constraint, Family, Key, Ratio, Relation, protect_family
from tests.benchmarking.test_linked_scale import households_and_persons, national_family


def _shuffled(family: Family, seed: int) -> Family:
    draw = random.Random(seed)
    relations: list[Constraint] = []
    for relation in family.relations:
        if isinstance(relation, Relation):
            terms = list(relation.terms)
            draw.shuffle(terms)
            relations.append(replace(relation, terms=tuple(terms)))
        else:
            numerator = list(relation.numerator)
            draw.shuffle(numerator)
            relations.append(replace(relation, numerator=tuple(numerator)))
    draw.shuffle(relations)
    return replace(family, relations=relations)


def _pattern(family: Family) -> set[Key]:
    return protect_family(family, k=10)


@pytest.mark.parametrize(
    "build",
    [lambda: households_and_persons(1), lambda: households_and_persons(2),
     lambda: national_family(6, 3), lambda: national_family(8, 5)],
    ids=["households-1", "households-2", "national-6", "national-8"],
)  # fmt: skip
def test_the_pattern_is_the_same_whatever_the_order_of_the_relations(
    build: Callable[[], Family],
) -> None:
    family = build()
    expected = _pattern(family)
    for seed in range(4):
        assert _pattern(_shuffled(family, seed)) == expected, seed


def test_ratios_are_kept_apart_from_relations_in_the_canonical_order() -> None:
    ratio = Ratio(("i", "PL", "2024", "rate", "scope"), (("c", "a"),), (("c", "b"),))
    relation = Relation.total([("c", "a")], ("c", "b"))
    family = Family(current={("c", "a"): 1, ("c", "b"): 2}, relations=[ratio, relation])
    assert list(family.relations) == [relation, ratio]
