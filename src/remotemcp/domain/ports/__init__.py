"""Ports: what the domain needs from the outside world, as `typing.Protocol`s. One module per port.

Repository methods are async because the durable adapters do I/O; the in-memory adapters are
async too so that every adapter passes the same contract tests.
"""
