"""The portal's benchmark pages as regional coordinators and the ministry analyst see them: named
centres of the coordinator's own voivodeships only, aggregates only for the ministry, and the
export builder with its job page, progress fragment, list and download."""

import hashlib
import io
import re
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from openpyxl import load_workbook

from benchmarking.exports.build import export_build
from benchmarking.models import ExportJob, PublishedCell
from tenants.accounts.roles import Role
from tenants.accounts.services import account_create
from tenants.demo import DEMO_PASSWORD
from tests.conftest import CENTRE_SLUGS, CentreClientFactory

# Each test marks its own database use: the real-worker test must commit, outside a transaction.
pytestmark = [pytest.mark.usefixtures("benchmark_data")]
db = pytest.mark.django_db

WINDOW = "from=2024-01&to=2024-06"
NAMES = ("Myślenice", "Krasnystaw", "Piaseczno", "Daleszyce", "Dębica")
EXPORT = {"year": "2024", "half": "1", "scope": "PL", "format": "xlsx"}


def _text(response: Any) -> str:
    return response.content.decode()


def _main(response: Any) -> str:
    return _text(response).split("<main", 1)[1]


def _ordered(response: Any) -> ExportJob:
    """The export a successful post of the builder created (its page is where it redirects).
    Browser tests commit exports of their own, so tests never assume the table is empty."""
    errors = re.findall(r"error-summary.*?</div>|field-error[^>]*>.*?</p>", _text(response), re.S)
    assert response.status_code == 302, errors or _text(response)[-2000:]
    return ExportJob.objects.get(public_id=response["Location"].strip("/").split("/")[1])


# --- Regional coordinators -----------------------------------------------------------------------


@db
def test_the_coordinator_of_malopolskie_sees_myslenice_named_and_no_other_centre(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in(None, "koordynator.malopolskie")
    response = client.get(f"/porownanie/?metric=decided_within_kpa_share&{WINDOW}")
    assert response.status_code == 200
    html = _main(response)
    assert "MGOPS Myślenice" in html
    assert 'href="/porownanie/myslenice/"' in html
    for name in NAMES[1:]:
        assert name not in html, name
    for slug in CENTRE_SLUGS[1:]:
        assert slug not in html, slug
    assert 'aria-labelledby="window-chart-title window-chart-desc"' in html
    assert "Na tle wszystkich ośrodków platformy" in html
    assert 'data-gate="benchmarking.disclosure"' in html


@db
def test_a_coordinator_of_three_regions_sees_them_side_by_side(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in(None, "koordynator.wschod")
    response = client.get(
        f"/porownanie/?metric=contracts_signed&{WINDOW}&before_months=6&after_months=6"
    )
    html = _main(response)
    header = re.search(r"<thead><tr><th scope=\"col\">Miesiąc</th>(.*?)</tr></thead>", html)
    assert header, "the monthly table has one column per centre"
    assert re.findall(r">([^<]+)</th>", header.group(1)) == [
        "MGOPS Daleszyce",
        "MOPS Dębica",
        "MOPS Krasnystaw",
    ]
    # One line per centre, told apart by dash pattern and marker as well as colour.
    for style in ("s0", "s1", "s2"):
        assert f'<g class="series {style}">' in html
        assert f'class="legend-key {style}"' in html
    # Counts under 10 are withheld for a coordinator, with the gate's reason written out.
    # One symbol and one reason for every hidden value.
    assert "&lt;10" not in html
    assert "Wartość ukryta (x)" in html
    # Before/after per centre, with the assumed go-live flagged.
    assert html.count("data przyjęta") >= 3
    assert "poprawa" in html or "pogorszenie" in html or "nie da się ocenić" in html
    assert "Myślenice" not in html and "Piaseczno" not in html


@db
def test_the_drill_down_shows_one_centre_of_the_region_and_never_case_data(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in(None, "koordynator.malopolskie")
    response = client.get(
        "/porownanie/myslenice/?metric=social_work_time_share&from=2018-03&to=2019-02"
        "&before_months=6&after_months=6"
    )
    assert response.status_code == 200
    html = _main(response)
    assert html.count("<h1") == 1 and "Wskaźniki: MGOPS Myślenice" in html
    assert "3 września 2018" in html  # Myślenice's go-live, from a source: not "przyjęta"
    assert "data przyjęta" not in html
    assert 'aria-labelledby="series-chart-title series-chart-desc"' in html
    assert "Przed i po wdrożeniu nowej struktury" in html and "poprawa" in html
    for marker in ("PESEL", "/sprawy/", "/api/"):
        assert marker not in html


@db
def test_a_centre_outside_the_coordinators_voivodeships_is_refused_with_a_reason(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in(None, "koordynator.malopolskie")
    for slug in ("debica", "krasnystaw"):
        response = client.get(f"/porownanie/{slug}/")
        assert response.status_code == 403
        assert "Ten ośrodek leży poza Twoim województwem" in _text(response)
    assert client.get("/porownanie/nie-ma-takiego/").status_code == 404


# --- The ministry analyst -------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["PL", "26", "12"])
@db
def test_the_analyst_never_sees_a_centre_name_on_the_compare_page(
    centre_client: CentreClientFactory, scope: str
) -> None:
    client = centre_client.logged_in(None, "analityk")
    response = client.get(f"/porownanie/?metric=intakes&{WINDOW}&scope={scope}")
    assert response.status_code == 200
    html = _text(response)
    for name in NAMES:
        assert name not in html, name
    for slug in CENTRE_SLUGS:
        assert slug not in html, slug
    if scope == "PL":
        assert 'aria-labelledby="aggregate-chart-title aggregate-chart-desc"' in html
        assert "ośrodków w zakresie" in html
    else:  # one centre per voivodeship in the demo: refused with the reason
        assert "aggregate-chart" not in html
        assert "co najmniej 3 ośrodków" in html


@db
def test_the_analyst_gets_no_drill_down_to_a_named_centre(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in(None, "analityk")
    response = client.get("/porownanie/myslenice/")
    assert response.status_code == 403
    assert "ministerstwo otrzymuje zestawienia zbiorcze" in _text(response)
    assert "Myślenice" not in _text(response)


@db
def test_the_portal_start_page_leads_each_role_to_its_pages(
    centre_client: CentreClientFactory,
) -> None:
    coordinator = _text(centre_client.logged_in(None, "koordynator.wschod").get("/"))
    assert 'href="/porownanie/"' in coordinator and 'href="/porownanie/daleszyce/"' in coordinator
    assert 'href="/eksporty/"' not in coordinator
    analyst = _text(centre_client.logged_in(None, "analityk").get("/"))
    assert 'href="/porownanie/"' in analyst and 'href="/eksporty/"' in analyst
    for name in NAMES:
        assert name not in analyst


# --- Exports --------------------------------------------------------------------------------------


@db
def test_only_the_analyst_may_open_the_export_builder(centre_client: CentreClientFactory) -> None:
    coordinator = centre_client.logged_in(None, "koordynator.malopolskie")
    response = coordinator.get("/eksporty/")
    assert response.status_code == 403
    assert "analitycy ministerstwa" in _text(response)
    count = ExportJob.objects.count()
    assert coordinator.post("/eksporty/", {**EXPORT, "tables": ["households"]}).status_code == 403
    assert ExportJob.objects.count() == count


@db
def test_the_builder_shows_the_remaining_privacy_budget(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(None, "analityk")
    html = _text(client.get("/eksporty/"))
    assert "Nowy eksport" in html and 'name="dp_rho"' in html
    assert re.search(r"pozostało ρ = 1,0", html)
    fragment = client.get("/eksporty/budzet/?year=2024", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "dane z 2024 r." in _text(fragment) and "<html" not in _text(fragment)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**EXPORT, "tables": []}, "tables", "Wybierz co najmniej jedną tabelę."),
        (
            {**EXPORT, "tables": ["households"], "use_dp": "on", "dp_rho": "2"},
            "dp_rho",
            "Przekroczony roczny budżet prywatności za 2024: pozostało ρ = 1",
        ),
        (
            {**EXPORT, "tables": ["households"], "use_dp": "on", "dp_rho": "-0,5"},
            "dp_rho",
            "Budżet prywatności ρ to liczba większa od zera",
        ),
        ({**EXPORT, "tables": ["households"], "use_dp": "on"}, "dp_rho", "Podaj ρ"),
        ({**EXPORT, "year": "2031"}, "year", "Wybierz poprawną wartość."),
        (
            {**EXPORT, "scope": "26", "tables": ["areas"]},
            "tables",
            "Tabela według województw jest tylko w zakresie krajowym (PL).",
        ),
        ({**EXPORT, "tables": ["households"], "format": "pdf"}, "format", "Wybierz poprawną"),
    ],
)
@db
def test_bad_export_requests_are_refused_next_to_their_field_and_nothing_is_saved(
    centre_client: CentreClientFactory, data: dict[str, Any], field: str, message: str
) -> None:
    client = centre_client.logged_in(None, "analityk")
    count = ExportJob.objects.count()
    response = client.post("/eksporty/", data)
    assert response.status_code == 200
    html = _text(response)
    error = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', html)
    assert error and message in error.group(1), (field, message, error)
    assert 'class="error-summary"' in html
    assert ExportJob.objects.count() == count
    # What the analyst chose is still there.
    assert f'value="{data["year"]}" selected' in html or data["year"] == "2031"
    assert "Twoje eksporty" in html  # a plain POST answers with the whole page


@db
def test_an_htmx_post_with_errors_swaps_only_the_form(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(None, "analityk")
    response = client.post(
        "/eksporty/", {**EXPORT, "tables": ["households"], "use_dp": "on", "dp_rho": "5"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith("<form") and "<html" not in html
    assert "Przekroczony roczny budżet prywatności" in html
    assert 'value="5"' in html


@db
def test_tables_not_computed_yet_are_explained_on_the_form(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in(None, "analityk")
    count = ExportJob.objects.count()
    response = client.post("/eksporty/", {**EXPORT, "year": "2017", "tables": ["households"]})
    assert response.status_code == 200
    assert "Tabele za ten okres nie są jeszcze policzone" in _text(response)
    assert ExportJob.objects.count() == count


@db
def test_an_export_is_queued_its_progress_shown_then_downloaded(
    centre_client: CentreClientFactory, django_capture_on_commit_callbacks: Any
) -> None:
    client = centre_client.logged_in(None, "analityk")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/eksporty/", {**EXPORT, "tables": ["households", "contracts"]})
    job = _ordered(response)
    assert len(callbacks) == 1  # the Celery job is sent once the request commits, as the API does
    assert job.parameters == {"period": "2024-H1", "scope": "PL", "format": "xlsx",
                              "tables": ["households", "contracts"], "dp_rho": None}  # fmt: skip
    assert response["Location"] == f"/eksporty/{job.public_id}/"
    page = _text(client.get(response["Location"]))
    assert (
        'hx-trigger="every 1s"' in page
        and '<progress id="export-progress" max="100" value="0"' in page
    )
    assert "aria-live" in page

    status = f"/eksporty/{job.public_id}/stan/"
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, progress=45, stage="Kontrola ujawnień"
    )
    running = client.get(status, HTTP_HX_REQUEST="true")
    fragment = _text(running)
    assert '<progress id="export-progress" max="100" value="45"' in fragment
    assert "Kontrola ujawnień" in fragment and 'hx-trigger="every 1s"' in fragment
    assert "seen=running-45" in fragment
    unchanged = client.get(status + "?seen=running-45", HTTP_HX_REQUEST="true")
    assert unchanged.status_code == 204  # nothing new: htmx keeps the fragment and keeps polling

    job = export_build(job)  # the worker's task body (the test's transaction hides the job)
    done = _text(client.get(status + "?seen=running-45", HTTP_HX_REQUEST="true"))
    assert 'value="100"' in done and "hx-trigger" not in done  # polling stops
    assert f'href="/eksporty/{job.public_id}/pobierz/"' in done and job.sha256 in done

    download = client.get(f"/eksporty/{job.public_id}/pobierz/")
    assert download.status_code == 200
    content = download.content
    assert download["X-Checksum-SHA256"] == hashlib.sha256(content).hexdigest() == job.sha256
    assert job.filename in download["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(content))
    assert "Metryczka" in workbook.sheetnames

    assert 'id="messages" hx-swap-oob="delete"' in done  # "export ordered" goes once ready

    # The list reads as people talk: the period by name, the person by name, each
    # export folded to one line; codes (definition versions, run ids, the checksum) are the
    # provenance's, on the export's own page.
    listing = _text(client.get("/eksporty/"))
    assert "contracts_signed@1" not in listing and job.sha256 not in listing
    assert '<details class="form-panel bm-export">' in listing
    detail = _text(client.get(f"/eksporty/{job.public_id}/"))
    assert job.sha256 in detail and "Wersje definicji" in detail
    assert "Przebiegi przeliczeń (tabele)" in detail and "contracts_signed@1" in detail


@db
def test_the_list_shows_only_the_analysts_own_exports(centre_client: CentreClientFactory) -> None:
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' backend
    other = account_create(
        schema_name="public", username="analityk.druga", role=Role.MINISTRY_ANALYST,
        password=DEMO_PASSWORD,
    )  # fmt: skip
    mine = centre_client.logged_in(None, "analityk")
    theirs = centre_client.logged_in(None, other.username)
    own_job = _ordered(mine.post("/eksporty/", {**EXPORT, "tables": ["contracts"]}))
    other_job = export_build(
        _ordered(theirs.post("/eksporty/", {**EXPORT, "tables": ["services"]}))
    )
    listing = _text(mine.get("/eksporty/")).split('id="past-exports-heading"', 1)[1]
    assert str(own_job.public_id) in listing
    assert str(other_job.public_id) not in listing
    assert "Usługi opiekuńcze" not in listing  # the other analyst's table
    for path in ("", "stan/", "pobierz/"):
        assert mine.get(f"/eksporty/{other_job.public_id}/{path}").status_code == 404
    assert theirs.get(f"/eksporty/{other_job.public_id}/pobierz/").status_code == 200


@db
def test_a_download_before_the_file_is_ready_says_so(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(None, "analityk")
    job = _ordered(client.post("/eksporty/", {**EXPORT, "tables": ["contracts"]}))
    response = client.get(f"/eksporty/{job.public_id}/pobierz/", follow=True)
    assert "Eksport nie jest jeszcze gotowy." in _text(response)


@pytest.mark.worker
def test_the_real_worker_builds_the_export_ordered_on_the_page(
    worker: object, django_db_blocker: Any
) -> None:
    """Through a real Celery worker: the job must be committed for the worker to see it, so
    this test runs outside the test transaction (the country, 2024-H1: the only period whose
    tables the suite computes for every centre, and a scope of at least three centres) and
    deletes its job and its cells in the ledger of published cells at the end, so that no other
    test sees them."""
    client = Client(HTTP_HOST="localhost")
    with django_db_blocker.unblock():
        job: ExportJob | None = None
        try:
            assert (
                client.post(
                    "/konto/logowanie/", {"username": "analityk", "password": DEMO_PASSWORD}
                ).status_code
                == 302
            )
            response = client.post(
                "/eksporty/",
                {"year": "2024", "half": "1", "scope": "PL", "format": "xlsx",
                 "tables": ["households", "contracts", "indicators"]},
            )  # fmt: skip
            job = _ordered(response)
            status = response["Location"] + "stan/"
            deadline = time.monotonic() + 120
            fragment = _text(client.get(status, HTTP_HX_REQUEST="true"))
            while "hx-trigger" in fragment:
                assert time.monotonic() < deadline, "the worker did not finish the export"
                time.sleep(0.5)
                fragment = _text(client.get(status, HTTP_HX_REQUEST="true"))
            job.refresh_from_db()
            assert job.status == ExportJob.Status.DONE, job.error
            assert "Plik jest gotowy do pobrania." in fragment
            download = client.get(f"/eksporty/{job.public_id}/pobierz/")
            assert hashlib.sha256(download.content).hexdigest() == job.sha256
            assert load_workbook(io.BytesIO(download.content)).sheetnames[-1] == "Metryczka"
        finally:
            if job is not None:
                # The ledger refuses DELETE (append-only); a superuser's repair runs as replica.
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                    PublishedCell.objects.filter(release=str(job.public_id)).delete()
                ExportJob.objects.filter(pk=job.pk).delete()
