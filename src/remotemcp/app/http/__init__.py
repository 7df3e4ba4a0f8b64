"""The HTTP edge of the authorization server: routes, request parsing, error rendering."""
