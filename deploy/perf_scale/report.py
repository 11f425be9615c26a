"""The table `make perf-scale` prints and the results it writes
(test-artifacts/perf-scale/results.json, results-N<N>.json per N)."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict

from deploy.perf_scale.common import NATION, RESULTS_DIR, ROOT, Step


def fitted(name: str, n: int, value: float) -> float | None:
    """Least squares line through this step's figures at every N measured so far (at least two
    sizes), evaluated at 2,500."""
    points = {n: value}
    for path in RESULTS_DIR.glob("results-N*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for step in data.get("steps", []):
            if step["name"] == name:
                points.setdefault(int(data["n"]), float(step["value"]))
    if len(points) < 2:
        return None
    xs, ys = list(points), list(points.values())
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var
    return my + slope * (NATION - mx)


def report(steps: list[Step], n: int, volume: float, provision_s: float) -> int:
    print()
    print(f"perf-scale: {n} synthetic centres + 5 demo centres, history volume {volume:g}")
    header = f"{'step':62} {'measured':>16} {'at 2,500':>10}  goal"
    print(header)
    print("-" * len(header))
    missed: list[str] = []
    for step in steps:
        fit = fitted(step.name, n, step.value)
        if fit is not None:
            step.extra["fitted_at_2500"] = round(fit, 3)
        measured = f"{step.value:g} {step.unit}"
        at = "" if step.at_2500 is None else f"{step.at_2500:g}"
        verdict = {True: "met", False: "MISSED", None: ""}[step.met]
        print(f"{step.name[:62]:62} {measured:>16} {at:>10}  {step.goal} {verdict}".rstrip())
        for line in (step.ours_vs and f"django-tenants: {step.ours_vs}", step.note):
            if line:
                print(f"{'':4}{line}")
        if step.met is False:
            missed.append(f"{step.name}: goal {step.goal}, measured {measured}, at 2,500 {at}")
    print()
    if n < NATION:
        print(
            "Extrapolation to 2,500 centres: each step's model is printed with it. Per-request and "
            "per-centre steps are taken as flat (the test at 50 centres proves their query counts "
            "flat); whole-country steps scale linearly with the number of centres. When runs at "
            "two or more N exist (results-N*.json), results.json also holds a least-squares line "
            "through them (fitted_at_2500)."
        )
    if missed:
        print("perf-scale: goals MISSED\n  " + "\n  ".join(missed))
    else:
        print("perf-scale: every goal met")
    payload = {
        "n": n,
        "volume": volume,
        "provision_nation_s": provision_s,
        "steps": [asdict(s) for s in steps],
        "missed": missed,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
    (RESULTS_DIR / "results.json").write_text(text, encoding="utf-8")
    (RESULTS_DIR / f"results-N{n}.json").write_text(text, encoding="utf-8")
    print(f"perf-scale: results in {(RESULTS_DIR / 'results.json').relative_to(ROOT)}")
    return 0
