"""Resumable SSE streams: event ids, and replay scoped to the session that was sent the events."""
