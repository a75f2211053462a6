"""The billing rules as pure functions on plain values: no database, no clock,
no I/O. Everything here is tested exhaustively, with Hypothesis where a property exists."""
