"""Errors of the tool registry that are programming mistakes, not protocol errors.

Bad client input raises `domain.errors.InvalidArguments` / `NotFound` / `AlreadyExists`; these two
classes cover what the server's own code got wrong, so the edge never shows their text to a client
as a protocol error.
"""

from __future__ import annotations


class InvalidDefinition(ValueError):
    """A tool, resource or prompt cannot be registered as written (raised at registration time)."""


class InvalidOutput(ValueError):
    """A tool returned a value that does not match the output schema it advertises."""
