"""RemoteMCP: MCP tools on the internet behind a real OAuth 2.1 / OpenID Connect authorization server."""

__version__ = "0.1.0"
