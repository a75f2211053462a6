"""OAuth 2.0: the embedded authorization server and the resource-server checks."""
