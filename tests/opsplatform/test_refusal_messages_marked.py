"""Every message a service refuses with is marked for translation: no bare string literal (plain or
f-string) where a domain error, a field's error list or a date check takes a message. A marked
text is ``_("…")`` (gettext), possibly formatted with ``%``; an f-string cannot be translated."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = [
    *sorted((ROOT / "casework" / "services").glob("*.py")),
    ROOT / "platform" / "opsplatform" / "plausible_dates.py",
    ROOT / "platform" / "opsplatform" / "errors.py",
    ROOT / "tenants" / "services.py",
    ROOT / "tenants" / "accounts" / "services.py",
    ROOT / "benchmarking" / "services.py",
    ROOT / "casework" / "visibility.py",
    ROOT / "casework" / "permissions.py",
    *sorted((ROOT / "casework" / "selectors").glob("*.py")),
    *sorted((ROOT / "casework" / "privacy" / "services").glob("*.py")),
    *(
        ROOT / "benchmarking" / f"{name}.py"
        for name in ("params", "answers", "comparisons", "before_after", "cohort_figures")
    ),
    *sorted((ROOT / "benchmarking" / "exports").glob("*.py")),
]
ERRORS = {"DomainError", "ValidationFailed", "Conflict", "NotAllowed", "NotFound"}
# The apps' own DomainError subclasses (tenants.errors, AccountInvalid…) are named like these.
ERROR_SUFFIXES = ("Error", "Invalid", "Failed")
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext", "pgettext_lazy"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _appends_to_errors(func: ast.expr) -> bool:
    """``errors.append(…)`` or ``errors.setdefault(name, []).append(…)``: a list of messages."""
    if not isinstance(func, ast.Attribute):
        return False
    receiver = func.value
    if isinstance(receiver, ast.Call) and _name(receiver.func) == "setdefault":
        receiver = receiver.func.value if isinstance(receiver.func, ast.Attribute) else receiver
    return "error" in _name(receiver)


def _bare(expr: ast.expr | None) -> list[ast.expr]:
    """The string literals in a message position that no gettext call wraps."""
    if expr is None:
        return []
    if isinstance(expr, ast.JoinedStr) or (
        isinstance(expr, ast.Constant) and isinstance(expr.value, str)
    ):
        return [expr]
    if isinstance(expr, ast.Call) and _name(expr.func) in GETTEXT:
        return []
    if isinstance(expr, ast.IfExp):
        return _bare(expr.body) + _bare(expr.orelse)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod | ast.Add):
        return _bare(expr.left) + _bare(expr.right)
    if isinstance(expr, ast.List | ast.ListComp):
        elements = expr.elts if isinstance(expr, ast.List) else [expr.elt]
        return [bare for element in elements for bare in _bare(element)]
    return []


def _message_positions(tree: ast.AST) -> list[ast.expr]:
    """Where a message goes: a domain error's message and ``fields``' lists, ``field_error``'s
    message, a class's ``default_message``, ``errors[name] = [...]``,
    ``errors.setdefault(name, []).append(...)`` and ``_add(errors, field, message)``."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in ERRORS or name.endswith(ERROR_SUFFIXES):
                found.extend(node.args[:1])
                for keyword in node.keywords:
                    if keyword.arg == "message":
                        found.append(keyword.value)
                    if keyword.arg == "fields" and isinstance(keyword.value, ast.Dict):
                        found.extend(v for v in keyword.value.values if v is not None)
            elif name == "field_error" or name == "_add":
                found.extend(node.args[1:2] if name == "field_error" else node.args[2:3])
            elif name == "append" and _appends_to_errors(node.func):
                found.extend(node.args)
        elif isinstance(node, ast.Assign):
            if any(isinstance(target, ast.Subscript) for target in node.targets):
                found.append(node.value)
            if any(_name(target) == "default_message" for target in node.targets):
                found.append(node.value)
        elif (
            isinstance(node, ast.AnnAssign)
            and _name(node.target) == "default_message"
            and node.value is not None
        ):
            found.append(node.value)
    return found


def bare_messages(source: str) -> list[str]:
    tree = ast.parse(source)
    return [
        f"line {bare.lineno}: {ast.unparse(bare)[:80]}"
        for position in _message_positions(tree)
        for bare in _bare(position)
    ]


def test_the_check_finds_bare_messages() -> None:
    source = """
def refuse(case, day):
    errors = {}
    errors["day"] = ["Dzień poza okresem."]
    errors.setdefault("day", []).append(f"Dzień {day} poza okresem.")
    if case.closed:
        raise Conflict(f"Sprawa {case.number} jest zamknięta.", fields={"case": ["Zamknięta."]})
    raise ValidationFailed(_("Zaznaczony %(x)s.") % {"x": 1}, fields={"a": [_("Dobrze.")]})
"""
    assert sorted(bare_messages(source)) == [
        "line 4: 'Dzień poza okresem.'",
        "line 5: f'Dzień {day} poza okresem.'",
        "line 7: 'Zamknięta.'",
        "line 7: f'Sprawa {case.number} jest zamknięta.'",
    ]


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_refusal_message_is_marked_for_translation(path: Path) -> None:
    bare = bare_messages(path.read_text(encoding="utf-8"))
    assert not bare, f"{path.relative_to(ROOT)}: messages not marked for translation: {bare}"
