"""Comparisons as staff, coordinators and analysts see them, on the demo data."""

from decimal import Decimal

import pytest

from tests.benchmarking.conftest import api_client
from tests.conftest import CENTRE_SLUGS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

ASSUMED_GO_LIVE = {"krasnystaw", "piaseczno", "daleszyce", "debica"}


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_each_centre_gets_a_before_after_report_showing_the_reorganisation(slug: str) -> None:
    client = api_client(slug, "kierownik")
    response = client.get("/api/benchmarks/before-after/?before_months=6&after_months=6")
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["go_live_assumed"] is (slug in ASSUMED_GO_LIVE)
    assert report["disclosure"]["k"] == 10
    metrics = {m["metric"]: m for m in report["metrics"]}
    share = metrics["social_work_time_share"]
    assert share["unit"] == "%"
    before, after = Decimal(share["before"]["value"]), Decimal(share["after"]["value"])
    # The six months after go-live are the demo's ramp (shares move over 120 days), where the
    # mean share is about two thirds of the way to the new one: a clear rise, not the full one.
    # The demo's history also shifts a little with the day it is built on (1.48× for Daleszyce
    # when built on 2026-12-08, 1.5× and more the day before), so the bar is 1.3×.
    assert after > before * Decimal("1.3"), (slug, before, after)
    assert share["direction"] == "better"
    assert Decimal(share["difference"]) == after - before
    assert share["months_before"] == 6 and share["months_after"] == 6
    # The centre's own staff see their own small numbers: nothing suppressed for them.
    assert all(m["before"]["status"] in ("published", "empty") for m in report["metrics"])


def test_a_coordinator_sees_the_same_report_for_a_centre_of_the_region_with_counts_gated() -> None:
    client = api_client(None, "koordynator.malopolskie")
    response = client.get(
        "/api/benchmarks/centres/myslenice/before-after/?before_months=6&after_months=6"
    )
    assert response.status_code == 200, response.content
    for metric in response.json()["metrics"]:
        for side in ("before", "after"):
            released = metric[side]
            if released["status"] != "published":
                assert released["value"] is None and released["marker"]


def test_windows_are_chosen_from_fixed_lengths() -> None:
    client = api_client("debica", "kierownik")
    response = client.get("/api/benchmarks/before-after/?before_months=7&after_months=5")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert "before_months" in fields and "after_months" in fields
    not_a_number = client.get("/api/benchmarks/before-after/?skip_months=x")
    assert not_a_number.status_code == 400 and "skip_months" in not_a_number.json()["fields"]


def test_own_series_and_bad_parameters() -> None:
    client = api_client("krasnystaw", "socjalny")
    ok = client.get("/api/benchmarks/series/?metric=intakes&from=2024-01&to=2024-06")
    assert ok.status_code == 200
    assert [p["period"] for p in ok.json()["series"]] == [f"2024-0{m}" for m in range(1, 7)]
    assert all(p["status"] == "published" for p in ok.json()["series"])
    unknown = client.get("/api/benchmarks/series/?metric=nie-ma")
    assert unknown.status_code == 400 and "metric" in unknown.json()["fields"]
    bad_month = client.get("/api/benchmarks/series/?metric=intakes&from=2024-13")
    assert bad_month.status_code == 400 and "from" in bad_month.json()["fields"]
    reversed_window = client.get("/api/benchmarks/series/?metric=intakes&from=2024-06&to=2024-01")
    assert reversed_window.status_code == 400 and "to" in reversed_window.json()["fields"]


def test_five_centres_give_no_quartiles_ranks_or_peers_only_a_pooled_value() -> None:
    """Quartiles of five centres are the 2nd, 3rd and 4th centre; order statistics
    need at least 10 centres. The pooled value of five centres (≥ 3) may still be shown."""
    client = api_client("piaseczno", "kierownik")
    response = client.get(
        "/api/benchmarks/cohorts/platforma/?metric=social_work_time_share&from=2024-01&to=2024-06"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["allowed"] is False, body
    assert "quartiles" not in body and "peers" not in body and "position" not in body
    assert "co najmniej 10" in body["reason"]
    text = response.content.decode()
    for slug in ("myslenice", "krasnystaw", "daleszyce", "debica", "Myślenice", "Dębica"):
        assert slug not in text


def test_a_cohort_too_small_is_refused_with_a_reason() -> None:
    client = api_client("daleszyce", "kierownik")
    response = client.get(
        "/api/benchmarks/cohorts/do-20-tys/?metric=social_work_time_share&from=2024-01&to=2024-06"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is False
    assert "co najmniej 10" in body["reason"]
    assert "quartiles" not in body and "peers" not in body
    assert body["pooled"] is None  # two centres: below the 3 an aggregate needs


def test_a_centre_cannot_ask_for_a_cohort_it_is_not_in() -> None:
    client = api_client("daleszyce", "kierownik")
    response = client.get("/api/benchmarks/cohorts/50-100-tys/?metric=intakes")
    assert response.status_code == 400 and "cohort" in response.json()["fields"]
    assert client.get("/api/benchmarks/cohorts/nie-ma/?metric=intakes").status_code == 404


def test_the_coordinator_of_malopolskie_sees_myslenice_named_and_no_other_centre() -> None:
    client = api_client(None, "koordynator.malopolskie")
    centres = client.get("/api/benchmarks/centres/")
    assert centres.status_code == 200
    assert [c["slug"] for c in centres.json()["centres"]] == ["myslenice"]
    compare = client.get(
        "/api/benchmarks/compare/?metric=decided_within_kpa_share&from=2024-01&to=2024-06"
    )
    assert compare.status_code == 200, compare.content
    body = compare.json()
    assert [c["slug"] for c in body["centres"]] == ["myslenice"]
    text = compare.content.decode()
    for other in ("krasnystaw", "piaseczno", "daleszyce", "debica"):
        assert other not in text
    assert "peers" not in body["national"]
    for other in ("krasnystaw", "debica"):
        denied = client.get(f"/api/benchmarks/centres/{other}/series/?metric=intakes")
        assert denied.status_code == 403
        assert denied.json()["code"] == "centre_out_of_scope"
    own_scope = client.get("/api/benchmarks/aggregates/?metric=intakes&scope=12")
    assert own_scope.status_code == 200
    other_scope = client.get("/api/benchmarks/aggregates/?metric=intakes&scope=18")
    assert other_scope.status_code == 403


def test_a_coordinator_of_three_regions_sees_their_three_centres() -> None:
    client = api_client(None, "koordynator.wschod")
    slugs = [c["slug"] for c in client.get("/api/benchmarks/centres/").json()["centres"]]
    assert sorted(slugs) == ["daleszyce", "debica", "krasnystaw"]


def test_the_ministry_sees_aggregates_and_no_named_centre() -> None:
    client = api_client(None, "analityk")
    assert client.get("/api/benchmarks/centres/").status_code == 403
    assert client.get("/api/benchmarks/centres/myslenice/series/?metric=intakes").status_code == 403
    response = client.get("/api/benchmarks/aggregates/?metric=intakes&from=2024-01&to=2024-06")
    assert response.status_code == 200
    body = response.json()
    assert body["centres"] == 5 and len(body["monthly"]) == 6
    assert body["window"]["status"] == "published"


def test_staff_accounts_do_not_exist_on_the_portal_and_portal_accounts_not_at_centres() -> None:
    from django.test import Client

    from tenants.demo import DEMO_PASSWORD

    for host, username in (("localhost", "kierownik"), ("myslenice.localhost", "analityk")):
        response = Client(HTTP_HOST=host).post(
            "/api/auth/token/",
            {"username": username, "password": DEMO_PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 400


def test_the_coordinators_compare_answer_comes_a_page_of_centres_at_a_time() -> None:
    client = api_client(None, "koordynator.wschod")
    path = "/api/benchmarks/compare/?metric=decided_within_kpa_share&from=2024-01&to=2024-06"
    first = client.get(f"{path}&page_size=2").json()
    second = client.get(f"{path}&page_size=2&page=2").json()
    assert (first["count"], first["pages"], first["page"], first["page_size"]) == (3, 2, 1, 2)
    assert [c["slug"] for c in first["centres"]] == ["daleszyce", "debica"]
    assert [c["slug"] for c in second["centres"]] == ["krasnystaw"]
    assert second["national"] == first["national"]
    whole = client.get(path).json()  # 50 a page by default: all three
    assert [c["slug"] for c in whole["centres"]] == ["daleszyce", "debica", "krasnystaw"]
    for query, field in (("page=3&page_size=2", "page"), ("page=0", "page"),
                         ("page_size=0", "page_size"), ("page_size=201", "page_size")):  # fmt: skip
        refused = client.get(f"{path}&{query}")
        assert refused.status_code == 400, query
        assert field in refused.json()["fields"], query


def test_the_coordinators_list_of_centres_comes_a_page_at_a_time() -> None:
    client = api_client(None, "koordynator.wschod")
    first = client.get("/api/benchmarks/centres/?page_size=2").json()
    second = client.get("/api/benchmarks/centres/?page_size=2&page=2").json()
    assert (first["count"], first["pages"], first["page"], first["page_size"]) == (3, 2, 1, 2)
    assert [c["slug"] for c in first["centres"] + second["centres"]] == [
        "daleszyce", "debica", "krasnystaw"
    ]  # fmt: skip
    assert client.get("/api/benchmarks/centres/").json()["page_size"] == 200
    for query, field in (("page=3&page_size=2", "page"), ("page=0", "page"), ("page=x", "page"),
                         ("page_size=0", "page_size"), ("page_size=501", "page_size")):  # fmt: skip
        refused = client.get(f"/api/benchmarks/centres/?{query}")
        assert refused.status_code == 400, query
        assert field in refused.json()["fields"], query
