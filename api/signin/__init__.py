"""The embedded issuer's sign-in page: local users, passwords, the browser session."""
