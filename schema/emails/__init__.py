"""The emails feature's GraphQL layer: how a customer email went, and re-queueing it."""
