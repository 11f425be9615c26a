"""The benchmark page of a centre's host, as the centre's staff see it: own indicators over time
with a chart and its table, before/after the go-live, the position among anonymous peers or the
reason it may not be shown."""

import re
from typing import Any

import pytest

from benchmarking.disclosure import gate_calls
from tests.conftest import CentreClientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

AROUND_GO_LIVE = "from=2019-09&to=2020-08&before_months=6&after_months=6"
NAMES = ("Myślenice", "Krasnystaw", "Piaseczno", "Daleszyce", "Dębica")


def _text(response: Any) -> str:
    return response.content.decode()


def test_the_manager_of_daleszyce_sees_the_indicator_around_the_go_live(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in("daleszyce", "kierownik")
    before = gate_calls()
    response = client.get(f"/wskazniki/?metric=social_work_time_share&{AROUND_GO_LIVE}")
    assert response.status_code == 200
    assert gate_calls() > before
    html = _text(response)
    assert html.count("<h1") == 1 and "Wskaźniki ośrodka" in html
    # The chart is an accessible image with its title and description, and a table next to it.
    assert re.search(
        r'<svg class="chart bm-chart"[^>]*role="img"[^>]*'
        r'aria-labelledby="series-chart-title series-chart-desc"',
        html,
    )
    assert '<line class="golive"' in html and "wdrożenie nowej struktury (data przyjęta)" in html
    assert (
        '<caption id="series-chart-table">Udział pracy socjalnej w czasie pracowników socjalnych '
        "– wartości miesięczne" in html
    )
    assert '<th scope="row">Marzec 2020</th>' in html
    # Units, the better direction and the assumed go-live date are said in words.
    assert "wyższa wartość jest lepsza" in html
    assert "1 marca 2020" in html and "data przyjęta" in html
    # Before/after: every indicator, with the change judged in words, not colour only.
    assert html.count('<tr class="selected">') >= 1
    assert "Okres przed</dt><dd>wrzesień 2019 – luty 2020" in html  # lower case mid-phrase
    assert "poprawa" in html and "p.p." in html
    assert 'data-gate="benchmarking.disclosure"' in html and "k = 10" in html


@pytest.mark.parametrize("username", ["pierwszy.kontakt", "swiadczenia", "audytor"])
def test_every_staff_role_may_open_the_page(
    centre_client: CentreClientFactory, username: str
) -> None:
    client = centre_client.logged_in("krasnystaw", username)
    response = client.get("/wskazniki/")
    assert response.status_code == 200
    assert 'name="metric"' in _text(response)


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(
    centre_client: CentreClientFactory,
) -> None:
    response = centre_client("debica").get("/wskazniki/")
    assert response.status_code == 302 and "/konto/logowanie/" in response["Location"]


def test_the_page_does_not_exist_on_the_portal(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(None, "analityk")
    assert client.get("/wskazniki/").status_code == 404


def test_bad_months_are_refused_next_to_their_field_and_the_choices_kept(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in("myslenice", "socjalny")
    response = client.get("/wskazniki/?metric=intakes&from=2024-13&to=2024-06")
    assert response.status_code == 200
    html = _text(response)
    assert 'class="error-summary"' in html
    assert re.search(r'id="field-from">.*?Podaj miesiąc w postaci RRRR-MM', html, re.S)
    assert 'value="intakes" selected' in html  # nothing the user chose is lost
    assert 'value="2024-13"' in html
    assert "bm-chart" not in html  # no figures for a window that is not one
    reversed_window = _text(client.get("/wskazniki/?metric=intakes&from=2024-06&to=2024-01"))
    assert re.search(
        r'id="field-to">.*?Koniec okresu nie może być przed jego początkiem', reversed_window, re.S
    )
    unknown = _text(client.get("/wskazniki/?metric=nie-ma"))
    assert re.search(r'id="field-metric">.*?class="field-error"', unknown, re.S)


def test_a_cohort_too_small_is_refused_with_the_reason_not_a_blank(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in("daleszyce", "kierownik")
    response = client.get(
        "/wskazniki/?metric=social_work_time_share&from=2024-01&to=2024-06&cohort=do-20-tys"
    )
    html = _text(response)
    assert "Porównanie niedostępne" in html
    assert "pokazujemy dla co najmniej 10 ośrodków" in html
    assert "cohort-chart" not in html and "Ośrodek A" not in html


def test_the_position_among_five_peers_is_not_shown(
    centre_client: CentreClientFactory,
) -> None:
    """With five centres a rank or quartiles would give the peers' values away."""
    client = centre_client.logged_in("piaseczno", "kierownik")
    response = client.get(
        "/wskazniki/?metric=social_work_time_share&from=2024-01&to=2024-06&cohort=platforma"
    )
    html = _text(response)
    assert "Twój ośrodek: <strong>miejsce" not in html
    assert "Ośrodek A" not in html and "cohort-chart" not in html
    assert "pokazujemy dla co najmniej 10 ośrodków" in html
    main = html.split("<main", 1)[1]
    for name in NAMES:
        if name != "Piaseczno":
            assert name not in main, name


def test_the_cohort_choices_are_the_centres_own(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in("daleszyce", "kierownik")
    html = _text(client.get("/wskazniki/"))
    assert 'value="woj-26"' in html and 'value="woj-12"' not in html
    refused = _text(client.get("/wskazniki/?cohort=50-100-tys"))
    assert re.search(r'id="field-cohort">.*?class="field-error"', refused, re.S)
