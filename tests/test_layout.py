"""The fixed layout, and the rule that keeps `platform` the standard library's module."""

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_folder_is_not_a_package() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_import_platform_resolves_to_the_standard_library_in_the_project_environment() -> None:
    # A fresh interpreter from the project's environment, started in the repository root, as
    # manage.py, Celery and the tests are.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import platform, uuid; print(platform.__file__); platform.system()",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(result.stdout.strip()).resolve() == stdlib / "platform.py"


def test_project_package_is_importable_from_inside_platform() -> None:
    import opsplatform

    assert Path(opsplatform.__file__).resolve().parent == ROOT / "platform" / "opsplatform"


def test_fixed_top_level_exists() -> None:
    for name in ("platform", "tenants", "casework", "benchmarking", "tasks", "deploy", "tests"):
        assert (ROOT / name).is_dir(), name
    for name in ("pyproject.toml", "README.md", "Makefile", ".ci/run"):
        assert (ROOT / name).is_file(), name


def test_every_make_command_the_help_names_has_a_rule() -> None:
    """The Makefile's help (and the README) name commands; a merge once dropped two of their
    rules, so that `make perf-scale` and `make screenshots` did nothing and said nothing."""
    makefile = (ROOT / "Makefile").read_text()
    named = {
        word
        for line in makefile.splitlines()
        if line.startswith("#   make ")
        for word in re.findall(r"(?:make |\| )([a-z][a-z-]*)", line)
    }
    rules = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    assert {"run", "test", "perf-scale", "screenshots"} <= named
    assert named <= rules, f"named in the help without a rule: {sorted(named - rules)}"
