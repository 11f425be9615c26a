"""What every browser test does on a screen: log in, check accessibility, take screenshots at both
widths, check the page does not scroll sideways on a phone."""

import re
import time
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize, expect

from tenants.demo import DEMO_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
# axe-core rules of WCAG 2.0/2.1 A and AA and axe's best practices; serious or critical fails.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
_axe = Axe()
# The innermost elements that stick out past the right edge of the viewport (for the failure
# message): each as tag#id.class and its right edge.
WIDEST_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll("body *")].filter((el) => {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 1) return false;
    return true;
  });
  const innermost = out.filter((el) => !out.some((other) => other !== el && el.contains(other)));
  return innermost.slice(0, 5).map((el) =>
    el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className ? "." + el.className.split(" ")[0] : "") +
    " (right " + Math.round(el.getBoundingClientRect().right) + "px)");
}"""
# Set by the session's server fixture (tests/ui/conftest.py).
SERVER = {"port": 0}
# How long each log-in took from "Zaloguj się" to a usable start page (its log-out button shown),
# in seconds, by account: reported at the end of the run (conftest.pytest_terminal_summary) and in
# test-artifacts/browser-timings.json. A report, never an assertion (timings are the machine's).
LOGIN_TIMINGS: list[tuple[str, float]] = []


def server_url(slug: str | None) -> str:
    """The served app's address for a centre (slug) or for the portal (None)."""
    host = f"{slug}.localhost" if slug else "localhost"
    return f"http://{host}:{SERVER['port']}"


def login(
    page: Page,
    slug: str | None,
    username: str,
    password: str = DEMO_PASSWORD,
    *,
    otp_secret: str | None = None,
    base_url: str | None = None,
) -> None:
    """Log in through the log-in form of a centre (slug) or the portal (None); waits until the
    start page shows the log-out button. With ``otp_secret`` the second step gets the code of the
    next 30-second step (the current one may have been used a moment ago, and is then refused);
    ``base_url`` names another server than the session's."""
    page.goto(f"{base_url or server_url(slug)}/konto/logowanie/")
    page.get_by_label("Nazwa użytkownika").fill(username)
    page.get_by_label("Hasło").fill(password)
    started = time.perf_counter()
    page.get_by_role("button", name="Zaloguj się").click()
    if otp_secret is not None:
        from tenants.accounts import totp

        expect(page.get_by_role("heading", name="Kod jednorazowy")).to_be_visible()
        next_step = time.time() + totp.STEP_SECONDS
        page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(
            totp.code_at(otp_secret, next_step)
        )
        page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("button", name="Wyloguj")).to_be_visible()
    if otp_secret is None:
        page.wait_for_load_state("load")  # the start page's styles and scripts too
        LOGIN_TIMINGS.append((username, time.perf_counter() - started))


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations on the page, one line per rule."""
    results = _axe.run(page, options=AXE_OPTIONS)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") in FAILING_IMPACTS:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            rule = f"{violation['id']} ({violation['impact']})"
            lines.append(f"{rule}: {violation['help']} — {targets}")
    return lines


def check_screen(page: Page, name: str) -> None:
    """axe-core on the screen as it is, then screenshots at 1280 and 390 px; at 390 px the page may
    not scroll sideways (wide tables scroll inside their own box)."""
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    assert not violations, f"accessibility violations on {name} ({page.url}):\n" + "\n".join(
        violations
    )
    folder = ARTIFACTS / _test_name(page)
    folder.mkdir(parents=True, exist_ok=True)
    number = len(list(folder.glob("*-1280.png"))) + 1
    stem = f"{number:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}"
    original = page.viewport_size or DESKTOP
    try:
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=str(folder / f"{stem}-1280.png"), full_page=True)
        # Forget the last check's width first, so that only the check after this resize counts.
        page.evaluate("document.documentElement.removeAttribute('data-scroll-checked')")
        page.set_viewport_size(PHONE)
        # app.js re-marks scrollable boxes after a resize: wait until it has done so at 390 px.
        page.wait_for_function(
            "w => document.documentElement.getAttribute('data-scroll-checked') === String(w)",
            arg=PHONE["width"],
        )
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        page.screenshot(path=str(folder / f"{stem}-390.png"), full_page=True)
        assert overflow <= 1, (
            f"{name} scrolls sideways by {overflow}px at 390 px ({page.url}); too wide: "
            + ", ".join(page.evaluate(WIDEST_ELEMENTS))
        )
        phone_violations = axe_violations(page)
        assert not phone_violations, (
            f"accessibility violations on {name} at 390 px ({page.url}):\n"
            + "\n".join(phone_violations)
        )
    finally:
        page.set_viewport_size(original)


def _test_name(page: Page) -> str:
    return str(getattr(page, "_ops_test_name", "unnamed"))
