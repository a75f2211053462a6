"""Who is calling and what they may do: the caller, how a token becomes one, and
the one set of access rules every use case applies."""
