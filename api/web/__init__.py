"""Development pages: GraphiQL's vendored assets, its page, the reference console."""
