"""The translation files: complete, consistent, and covering every key the code uses."""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

import pytest

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "sms_get"
STRINGS = INTEGRATION / "strings.json"
TRANSLATIONS = INTEGRATION / "translations"
LANGUAGES = ("en", "zh-Hant")

PLACEHOLDER = re.compile(r"\{(\w+)\}")
ENTITY_PLATFORMS = ("event", "notify", "sensor")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _leaves(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a translation tree, by its dotted key."""
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from _leaves(value, path)
        else:
            assert isinstance(value, str), f"{path} is not a string"
            yield path, value


def _key_tree(tree: dict[str, Any]) -> dict[str, Any]:
    """The shape of a translation tree, without its strings."""
    return {
        key: _key_tree(value) if isinstance(value, dict) else None
        for key, value in tree.items()
    }


def _modules() -> dict[str, ast.Module]:
    return {
        path.stem: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for path in sorted(INTEGRATION.glob("*.py"))
    }


def _string_constants(modules: dict[str, ast.Module]) -> dict[str, str]:
    """Module-level NAME = "text" assignments (const.py and the like)."""
    constants: dict[str, str] = {}
    for module in modules.values():
        for node in module.body:
            if isinstance(node, ast.AnnAssign | ast.Assign):
                targets = (
                    [node.target] if isinstance(node, ast.AnnAssign) else node.targets
                )
                if isinstance(node.value, ast.Constant) and isinstance(
                    node.value.value, str
                ):
                    for target in targets:
                        if isinstance(target, ast.Name):
                            constants[target.id] = node.value.value
    return constants


def _module_dicts(module: ast.Module) -> dict[str, ast.Dict]:
    """Module-level NAME = {...} assignments."""
    found: dict[str, ast.Dict] = {}
    for node in module.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(
            node.value, ast.Dict
        ):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
    return found


def _literals(node: ast.expr | None, dicts: dict[str, ast.Dict]) -> set[str]:
    """The strings an expression can evaluate to, as far as the source shows."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body, dicts) | _literals(node.orelse, dicts)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in dicts
    ):
        table = dicts[node.func.value.id]
        found = set().union(*(_literals(value, dicts) for value in table.values))
        if len(node.args) > 1:
            found |= _literals(node.args[1], dicts)
        return found
    return set()


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _used_keys() -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Exception and issue translation keys used in the code, and unresolved uses.

    Keys are mapped to where they are used. A key passed through a variable is
    followed to the literals assigned to that variable in the same function, to a
    module-level table it is looked up in, or, for a parameter of a helper, to the
    literals the helper is called with.
    """
    modules = _modules()
    constants = _string_constants(modules)
    exceptions: dict[str, str] = {}
    issues: dict[str, str] = {}
    unresolved: list[str] = []
    for name, module in modules.items():
        dicts = _module_dicts(module)
        # (helper function, index of the parameter that becomes the key)
        helpers: dict[str, int] = {}
        functions = [
            node
            for node in ast.walk(module)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for function in functions:
            params = [arg.arg for arg in function.args.args]
            assigned: dict[str, set[str]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, set()).update(
                                _literals(node.value, dicts)
                            )
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                value = _keyword(node, "translation_key")
                is_issue = _call_name(node) == "async_create_issue"
                if value is None or not (
                    is_issue or _keyword(node, "translation_domain") is not None
                ):
                    continue
                where = f"{name}.py:{node.lineno}"
                target_keys = issues if is_issue else exceptions
                if isinstance(value, ast.Attribute) and value.attr == "translation_key":
                    # Copied from a translated error: checked where that was made.
                    continue
                keys = _literals(value, dicts)
                if isinstance(value, ast.Name):
                    if value.id in constants:
                        keys.add(constants[value.id])
                    elif value.id in assigned:
                        keys |= assigned[value.id]
                    elif value.id in params:
                        helpers[function.name] = params.index(value.id)
                        continue
                if not keys:
                    unresolved.append(where)
                for key in keys:
                    target_keys.setdefault(key, where)
        for node in ast.walk(module):
            if isinstance(node, ast.Call) and _call_name(node) in helpers:
                index = helpers[_call_name(node) or ""]
                where = f"{name}.py:{node.lineno}"
                keys = (
                    _literals(node.args[index], dicts)
                    if len(node.args) > index
                    else set()
                )
                if not keys:
                    unresolved.append(where)
                for key in keys:
                    exceptions.setdefault(key, where)
    return exceptions, issues, unresolved


def _entity_keys() -> list[tuple[str, str, str]]:
    """(platform, translation_key, where) of every entity in the platform modules."""
    found: list[tuple[str, str, str]] = []
    modules = _modules()
    for platform in ENTITY_PLATFORMS:
        module = modules.get(platform)
        if module is None:
            continue
        for node in ast.walk(module):
            value: ast.expr | None = None
            if isinstance(node, ast.Call) and _keyword(node, "translation_domain"):
                continue
            if isinstance(node, ast.Call):
                value = _keyword(node, "translation_key")
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = (
                    [node.target] if isinstance(node, ast.AnnAssign) else node.targets
                )
                if any(
                    isinstance(target, ast.Name | ast.Attribute)
                    and (target.id if isinstance(target, ast.Name) else target.attr)
                    == "_attr_translation_key"
                    for target in targets
                ):
                    value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.append((platform, value.value, f"{platform}.py:{node.lineno}"))
    return found


@pytest.fixture(scope="module")
def strings() -> dict[str, Any]:
    """strings.json, the source of every translation."""
    return _load(STRINGS)


def test_en_is_strings(strings: dict[str, Any]) -> None:
    """translations/en.json is strings.json, as core generates it."""
    assert _load(TRANSLATIONS / "en.json") == strings


def test_no_other_translation_files() -> None:
    """Every translation file is one this test knows about."""
    assert sorted(path.stem for path in TRANSLATIONS.glob("*.json")) == sorted(
        LANGUAGES
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_keys(strings: dict[str, Any], language: str) -> None:
    """A translation has exactly the keys of strings.json."""
    translation = _load(TRANSLATIONS / f"{language}.json")
    assert _key_tree(translation) == _key_tree(strings)


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_placeholders(strings: dict[str, Any], language: str) -> None:
    """Each translated string has the placeholders of its English string."""
    english = dict(_leaves(strings))
    translated = dict(_leaves(_load(TRANSLATIONS / f"{language}.json")))
    mismatched = {
        key: (sorted(PLACEHOLDER.findall(text)), sorted(PLACEHOLDER.findall(other)))
        for key, text in english.items()
        if key in translated
        and set(PLACEHOLDER.findall(text))
        != set(PLACEHOLDER.findall(other := translated[key]))
    }
    assert not mismatched


@pytest.mark.parametrize("language", LANGUAGES)
def test_translated(strings: dict[str, Any], language: str) -> None:
    """No string is empty, and zh-Hant translates everything it can."""
    english = dict(_leaves(strings))
    translated = dict(_leaves(_load(TRANSLATIONS / f"{language}.json")))
    assert not [key for key, text in translated.items() if not text.strip()]
    if language != "en":
        assert not [
            key
            for key, text in translated.items()
            if text == english.get(key) and re.search(r"[A-Za-z]{3}", text)
        ]


@pytest.mark.parametrize(
    "file", ["strings.json", *(f"{lang}.json" for lang in LANGUAGES)]
)
def test_no_references(file: str) -> None:
    """Custom integrations get no [%key:...] resolution: every string is written out."""
    path = STRINGS if file == "strings.json" else TRANSLATIONS / file
    assert not [key for key, text in _leaves(_load(path)) if "[%key:" in text]


def test_exception_keys_exist(strings: dict[str, Any]) -> None:
    """Every exception translation_key raised by the code is in strings.json."""
    exceptions, _, unresolved = _used_keys()
    assert not unresolved, f"translation_key not traceable to a literal: {unresolved}"
    assert exceptions, "no exception translation keys found in the code"
    assert {
        key: where
        for key, where in exceptions.items()
        if "message" not in strings["exceptions"].get(key, {})
    } == {}


def test_issue_keys_exist(strings: dict[str, Any]) -> None:
    """Every repair issue the code creates has a title and description."""
    _, issues, _ = _used_keys()
    assert issues, "no issue translation keys found in the code"
    assert {
        key: where
        for key, where in issues.items()
        if not {"title", "description"} <= set(strings["issues"].get(key, {}))
    } == {}


def test_entity_keys_exist(strings: dict[str, Any]) -> None:
    """Every entity translation_key has a name under its platform."""
    found = _entity_keys()
    assert found, "no entity translation keys found in the code"
    assert [
        (platform, key, where)
        for platform, key, where in found
        if "name" not in strings["entity"].get(platform, {}).get(key, {})
    ] == []
