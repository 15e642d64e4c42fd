"""Checks infrastructure code against the kinesisanalyticsv2 API model that botocore ships.

CloudFormation uses the API's member names (``ApplicationConfiguration``, ``ParallelismPerKPU``);
Terraform uses them in snake_case, with singular names for repeated blocks (``property_group`` for
``PropertyGroups``) and every nested block as a list of one. Values the tools resolve at deploy
time (``{"Ref": ...}``, ``"${var.x}"``) are accepted as they are; literal values are checked against
the model's enums, patterns, lengths and ranges.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from botocore.loaders import Loader

Problems = list[str]


@cache
def shapes() -> dict[str, Any]:
    """The shapes of the kinesisanalyticsv2 service model."""
    model: dict[str, Any] = Loader().load_service_model("kinesisanalyticsv2", "service-2")
    return model["shapes"]  # type: ignore[no-any-return]


def _resolved_later(value: Any) -> bool:
    if isinstance(value, dict) and len(value) == 1:
        name = str(next(iter(value)))
        return name == "Ref" or name.startswith("Fn::")
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


def validate(shape_name: str, value: Any, path: str, *, terraform: bool = False) -> Problems:
    """Problems of ``value`` as an instance of ``shape_name``; empty when it conforms."""
    shape = shapes()[shape_name]
    if _resolved_later(value):
        return []
    kind = shape["type"]
    if kind == "structure":
        return _structure(shape, value, path, terraform)
    if kind == "list":
        return _list(shape, value, path, terraform)
    if kind == "map":
        return _map(shape, value, path, terraform)
    return _scalar(shape, value, path)


def _list(shape: dict[str, Any], value: Any, path: str, terraform: bool) -> Problems:
    if not isinstance(value, list):
        return [f"{path}: expected a list, got {value!r}"]
    problems = _bounds(shape, len(value), path, "items")
    for i, item in enumerate(value):
        problems += validate(shape["member"]["shape"], item, f"{path}[{i}]", terraform=terraform)
    return problems


def _map(shape: dict[str, Any], value: Any, path: str, terraform: bool) -> Problems:
    if not isinstance(value, dict):
        return [f"{path}: expected a map, got {value!r}"]
    problems = _bounds(shape, len(value), path, "entries")
    for key, item in value.items():
        problems += validate(shape["key"]["shape"], key, f"{path} key", terraform=terraform)
        problems += validate(shape["value"]["shape"], item, f"{path}.{key}", terraform=terraform)
    return problems


def _structure(shape: dict[str, Any], value: Any, path: str, terraform: bool) -> Problems:
    if terraform and isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, dict):
        return [f"{path}: expected a structure, got {value!r}"]
    members: dict[str, Any] = shape["members"]
    problems: Problems = []
    given = set()
    for name, item in value.items():
        member = _member(members, name) if terraform else (name if name in members else None)
        if member is None:
            problems.append(f"{path}: {name} is not a member; the API knows {sorted(members)}")
            continue
        given.add(member)
        problems += validate(members[member]["shape"], item, f"{path}.{member}", terraform=terraform)
    missing = [m for m in shape.get("required", []) if m not in given]
    if missing:
        problems.append(f"{path}: missing required {missing}")
    return problems


def _member(members: dict[str, Any], name: str) -> str | None:
    """The API member a Terraform argument or block name stands for."""
    wanted = name.replace("_", "").lower()
    for member in members:
        if member.lower() in (wanted, wanted + "s"):
            return member
    return None


def _bounds(shape: dict[str, Any], size: int, path: str, what: str) -> Problems:
    problems = []
    if "min" in shape and size < shape["min"]:
        problems.append(f"{path}: {size} {what}, below the minimum {shape['min']}")
    if "max" in shape and size > shape["max"]:
        problems.append(f"{path}: {size} {what}, above the maximum {shape['max']}")
    return problems


def _scalar(shape: dict[str, Any], value: Any, path: str) -> Problems:
    kind = shape["type"]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string, got {value!r}"]
        problems = _bounds(shape, len(value), path, "characters")
        if "enum" in shape and value not in shape["enum"]:
            problems.append(f"{path}: {value!r} is not one of {shape['enum']}")
        if "pattern" in shape and not re.fullmatch(shape["pattern"], value):
            problems.append(f"{path}: {value!r} does not match {shape['pattern']}")
        return problems
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{path}: expected an integer, got {value!r}"]
        return _bounds(shape, value, path, "(value)")
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean, got {value!r}"]
    return [f"{path}: unexpected shape type {kind}"]
