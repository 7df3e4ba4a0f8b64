"""OAuth 2.1 / OpenID Connect services, one module per concern (mostly one per RFC)."""
