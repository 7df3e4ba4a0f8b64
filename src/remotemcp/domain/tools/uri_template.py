"""RFC 6570 level 1 URI templates: `{var}` simple string expansion, and the reverse, matching."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from remotemcp.domain.tools.errors import InvalidDefinition

_EXPRESSION = re.compile(r"\{([^{}]*)\}")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# Simple expansion percent-encodes every reserved character, so an expanded value never holds
# a delimiter that structures the URI; raw non-ASCII and spaces are tolerated when matching.
_VALUE = r"[^/?#]+"


def validate_uri(uri: str) -> str:
    if not _SCHEME.match(uri):
        raise InvalidDefinition(f"resource URI {uri!r} has no scheme")
    return uri


def is_template(uri: str) -> bool:
    return "{" in uri or "}" in uri


class UriTemplate:
    __slots__ = ("_literals", "_pattern", "shape", "template", "variables")

    def __init__(self, template: str) -> None:
        validate_uri(template)
        self.template = template
        names: list[str] = []
        literals: list[str] = []
        pattern = ""
        position = 0
        for expression in _EXPRESSION.finditer(template):
            name = expression.group(1)
            if not _VARIABLE.fullmatch(name):
                raise InvalidDefinition(
                    f"URI template {template!r}: {{{name}}} is not a level-1 {{name}} expression"
                )
            if name in names:
                raise InvalidDefinition(f"URI template {template!r}: {{{name}}} appears twice")
            literal = template[position : expression.start()]
            literals.append(literal)
            pattern += re.escape(literal) + f"(?P<{name}>{_VALUE})"
            names.append(name)
            position = expression.end()
        tail = template[position:]
        literals.append(tail)
        pattern += re.escape(tail)
        if any("{" in literal or "}" in literal for literal in literals):
            raise InvalidDefinition(f"URI template {template!r} has an unbalanced brace")
        if not names:
            raise InvalidDefinition(f"URI template {template!r} has no variables")
        self.variables = tuple(names)
        self._literals = tuple(literals)
        self._pattern = re.compile(pattern)
        # Two templates with the same shape match the same URIs whatever their variables are called.
        self.shape = "{}".join(literals)

    def match(self, uri: str) -> dict[str, str] | None:
        found = self._pattern.fullmatch(uri)
        if found is None:
            return None
        return {name: unquote(value) for name, value in found.groupdict().items()}

    def expand(self, values: dict[str, str]) -> str:
        parts = [self._literals[0]]
        for name, literal in zip(self.variables, self._literals[1:], strict=True):
            parts.append(quote(values[name], safe=""))
            parts.append(literal)
        return "".join(parts)
