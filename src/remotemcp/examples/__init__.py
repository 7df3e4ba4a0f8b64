"""Example servers built only with RemoteMCP's public registry API (`remotemcp.domain.tools`)."""
