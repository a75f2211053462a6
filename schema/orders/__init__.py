"""The orders feature's GraphQL layer: orders, order lines, subscriptions and their POs."""
