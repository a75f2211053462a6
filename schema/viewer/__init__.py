"""Who is calling: the ``viewer`` query."""
