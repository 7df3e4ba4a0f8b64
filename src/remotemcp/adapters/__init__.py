"""Implementations of the domain ports, one sub-package per technology."""
