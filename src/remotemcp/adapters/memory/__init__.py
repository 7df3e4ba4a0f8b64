"""Honest in-memory fakes of every port: values are copied in and out, uniqueness is enforced,
consumption is atomic under a lock. They pass the same contract tests as the durable adapters."""
