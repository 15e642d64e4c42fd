"""Evaluates the expressions the infrastructure code builds ARNs with, for given parameter values.

CloudFormation (and the template `cdk synth` writes): ``Ref`` of a parameter, ``Fn::Join``,
``Fn::Select``, ``Fn::Split`` and ``Fn::If`` on given conditions. Terraform: string templates with
``${...}`` interpolations of ``var.x`` and ``local.x``, the functions ``regex``, ``trimsuffix`` and
``merge``, indexing, object literals and ``x == null ? a : b``. That is the part of each language
the generated code uses; anything else raises, so a new construct fails loudly instead of being
read wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_CFN_FUNCTIONS: dict[str, Any] = {
    "Fn::Join": lambda delimiter, items: str(delimiter).join(items),
    "Fn::Split": lambda delimiter, text: str(text).split(delimiter),
    "Fn::Select": lambda index, items: items[int(index)],
}


def cloudformation(node: Any, parameters: Mapping[str, str], conditions: Mapping[str, bool]) -> Any:
    """The value of a CloudFormation expression when the stack has ``parameters``."""
    if isinstance(node, (str, int)):
        return str(node) if isinstance(node, str) else node
    if isinstance(node, list):
        return [cloudformation(item, parameters, conditions) for item in node]
    if not isinstance(node, dict) or len(node) != 1:
        raise ValueError(f"not an expression: {node!r}")
    ((function, args),) = node.items()
    if function == "Ref":
        return parameters[args]
    if function == "Fn::If":
        condition, then, otherwise = args
        return cloudformation(then if conditions[condition] else otherwise, parameters, conditions)
    if function not in _CFN_FUNCTIONS:
        raise ValueError(f"unsupported function {function}")
    return _CFN_FUNCTIONS[function](*(cloudformation(arg, parameters, conditions) for arg in args))


# Terraform ------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)'
    r"|(?P<op>==|!=|[?:(){}\[\],=]))"
)


@dataclass(frozen=True)
class Object:
    """A Terraform object literal: its entries in order."""

    entries: tuple[tuple[str, Any], ...]


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"cannot read {text[position:]!r} in {text!r}")
        kind = str(match.lastgroup)
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over one interpolation; yields nested tuples (an expression tree)."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected!r}, found {token[1]!r}")
        self.at += 1
        return token

    def expression(self) -> Any:
        left = self.postfix()
        if self.peek() in ("==", "!="):
            operator = self.take()[1]
            left = ("compare", operator, left, self.postfix())
        if self.peek() == "?":
            self.take("?")
            then = self.expression()
            self.take(":")
            return ("if", left, then, self.expression())
        return left

    def postfix(self) -> Any:
        value = self.primary()
        while self.peek() == "[":
            self.take("[")
            index = self.expression()
            self.take("]")
            value = ("index", value, index)
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return ("literal", _unquote(text))
        if kind == "number":
            return ("literal", int(text))
        if text == "{":
            entries = []
            while self.peek() != "}":
                key = self.expression()
                self.take("=")
                entries.append((key, self.expression()))
                if self.peek() == ",":
                    self.take(",")
            self.take("}")
            return ("object", tuple(entries))
        if kind == "name" and self.peek() == "(":
            self.take("(")
            args = []
            while self.peek() != ")":
                args.append(self.expression())
                if self.peek() == ",":
                    self.take(",")
            self.take(")")
            return ("call", text, tuple(args))
        if kind == "name":
            return ("literal", None) if text == "null" else ("reference", text)
        raise ValueError(f"unexpected {text!r}")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def parse(expression: str) -> Any:
    """The expression tree of one Terraform expression (the text inside ``${...}``)."""
    parser = _Parser(expression)
    tree = parser.expression()
    if parser.peek() is not None:
        raise ValueError(f"unread {parser.tokens[parser.at :]} in {expression!r}")
    return tree


def _regex(pattern: str, text: str) -> Any:
    match = re.search(pattern, text)  # RE2; the patterns used here mean the same in Python
    if match is None:
        raise ValueError(f"regex {pattern!r} does not match {text!r}")
    return list(match.groups()) if match.groups() else match.group(0)


def _replace(text: str, old: str, new: str) -> str:
    """Terraform's replace: ``old`` is a regular expression when wrapped in ``/``, else literal."""
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return re.sub(old[1:-1], new, text)
    return text.replace(old, new)


_TF_FUNCTIONS: dict[str, Any] = {
    "regex": _regex,
    "trimsuffix": lambda text, suffix: text[: -len(suffix)] if suffix and text.endswith(suffix) else text,
    "merge": lambda *objects: Object(tuple(entry for o in objects for entry in o.entries)),
    "replace": _replace,
}


def _evaluate(tree: Any, references: Mapping[str, Any]) -> Any:
    kind = tree[0]
    if kind == "literal":
        return tree[1]
    if kind == "reference":
        return references[tree[1]]
    if kind == "object":
        return Object(tuple((_evaluate(k, references), _evaluate(v, references)) for k, v in tree[1]))
    if kind == "if":
        return _evaluate(tree[2] if _evaluate(tree[1], references) else tree[3], references)
    return _apply(tree, references)


def _apply(tree: Any, references: Mapping[str, Any]) -> Any:
    kind = tree[0]
    if kind == "index":
        return _evaluate(tree[1], references)[_evaluate(tree[2], references)]
    if kind == "compare":
        equal = _evaluate(tree[2], references) == _evaluate(tree[3], references)
        return equal if tree[1] == "==" else not equal
    if tree[1] not in _TF_FUNCTIONS:
        raise ValueError(f"unsupported function {tree[1]}")
    return _TF_FUNCTIONS[tree[1]](*(_evaluate(arg, references) for arg in tree[2]))


def interpolations(text: str) -> list[str | Any]:
    """A Terraform string template as literal text and the expression trees of its ``${...}``."""
    pieces: list[str | Any] = []
    position = 0
    while (start := text.find("${", position)) >= 0:
        if start > position:
            pieces.append(text[position:start])
        depth, end = 0, start + 2
        quoted = False
        while depth >= 0:
            char = text[end]
            if char == '"' and text[end - 1] != "\\":
                quoted = not quoted
            elif not quoted and char == "{":
                depth += 1
            elif not quoted and char == "}":
                depth -= 1
            end += 1
        pieces.append(parse(text[start + 2 : end - 1]))
        position = end
    if position < len(text):
        pieces.append(text[position:])
    return pieces


def terraform(text: str, references: Mapping[str, Any]) -> Any:
    """The value of a Terraform string template when ``var.*``/``local.*`` hold ``references``."""
    pieces = interpolations(text)
    if len(pieces) == 1 and not isinstance(pieces[0], str):
        return _evaluate(pieces[0], references)
    return "".join(p if isinstance(p, str) else str(_evaluate(p, references)) for p in pieces)
