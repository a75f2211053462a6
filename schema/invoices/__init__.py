"""The invoicing feature's GraphQL layer: orders, subscriptions, invoices, runs."""
