"""The `parts` macro of copier/computed.yml splits every ARN template as catalog.iam_resource reads it.

The infrastructure code joins the parts from its parameters (tests/iac checks each flavour does);
here the parts of every templated IAM resource in the catalog, joined as computed.yml documents,
must equal :func:`msf_scaffold.catalog.iam_resource` for the same values.
"""

from __future__ import annotations

import json
import re

import jinja2
import pytest
import yaml

from msf_scaffold.catalog import iam_resource, load_catalog
from msf_scaffold.copier_jinja import copier_environment
from tests.helpers import ROOT

_URIS = ("s3://lake/warehouse/prices", "s3://lake", "s3://lake/warehouse/", "s3a://lake/a/b")


def _parts_macro() -> jinja2.runtime.Macro:
    computed = yaml.safe_load((ROOT / "copier/computed.yml").read_text(encoding="utf-8"))
    text = computed["iam_statements"]["default"]
    macro = re.search(r"\{%- macro parts\(template\) -%\}.*?\{%- endmacro -%\}", text, flags=re.DOTALL)
    assert macro is not None, "computed.yml's iam_statements has no `parts` macro"
    module = copier_environment(ROOT, loader=False).from_string(macro.group(0)).module
    parts: jinja2.runtime.Macro = module.parts  # type: ignore[attr-defined]
    return parts


def _join(parts: list[list[str]], values: dict[str, str], partition: str) -> str:
    """The ARN the infrastructure code builds: `bucket` is the bucket of an s3:// value,
    `bucket_prefix` is "bucket/" plus "prefix/" when there is a prefix, and `partition` is the
    partition the stack deploys into."""
    result = ""
    for kind, text in parts:
        if kind == "literal":
            result += text
            continue
        if kind == "partition":
            assert text == "", parts
            result += partition
            continue
        value = values[text]
        if kind == "value":
            result += value
        elif kind == "bucket":
            result += value.split("://", 1)[1].split("/", 1)[0]
        elif kind.startswith("retype:"):
            _, old, new = kind.split(":")
            result += value.replace(f":{old}/", f":{new}/", 1)
        else:
            assert kind == "bucket_prefix", kind
            result += value.split("://", 1)[1].rstrip("/") + "/"
    return result


def _templates() -> list[tuple[str, str]]:
    catalog = load_catalog()
    return [
        (f"{connector_id}.{name}.{statement.sid}", statement.resource)
        for connector_id, connector in catalog.connectors.items()
        for name, role in (("source", connector.source), ("sink", connector.sink))
        if role is not None
        for statement in role.iam
        if "{" in statement.resource
    ]


def test_the_catalog_has_templated_iam_resources() -> None:
    templates = [resource for _, resource in _templates()]
    assert any("|bucket}/{" in t for t in templates)
    assert any("|" not in t for t in templates)
    assert any("|retype:" in t for t in templates)
    assert any(t.startswith("arn:{partition}:") for t in templates)


@pytest.mark.parametrize(("sid", "resource"), _templates(), ids=[sid for sid, _ in _templates()])
@pytest.mark.parametrize("uri", _URIS)
def test_parts_join_to_the_catalog_arn(sid: str, resource: str, uri: str) -> None:
    parts = json.loads(str(_parts_macro()(resource)))
    kinds = {"literal", "value", "bucket", "bucket_prefix", "partition"}
    assert all(kind in kinds or re.fullmatch(r"retype:[a-z-]+:[a-z-]+", kind) for kind, _ in parts), parts
    assert not [text for kind, text in parts if kind == "literal" and "{" in text], parts
    keys = set(re.findall(r"\{([^{}|]+)", resource)) - {"partition"}
    uri_keys = set(re.findall(r"\{([^{}|]+)\|(?:bucket|prefix)\}", resource))
    # An ARN of the resource type the template swaps (an Amazon MSK cluster).
    arns = {
        key: f"arn:aws:kafka:eu-west-1:111122223333:{old}/orders/0a1b-2"
        for key, old in re.findall(r"\{([^{}|]+)\|retype:([a-z-]+):[a-z-]+\}", resource)
    }
    values = {
        key: arns.get(key, uri if key in uri_keys else f"value-of-{key.replace('.', '-')}") for key in keys
    }
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        assert _join(parts, values, partition) == iam_resource(resource, values, partition), sid
    assert resource.startswith("{") or ["partition", ""] in parts, "an ARN template names its partition"
