"""The invoices feature's GraphQL layer: invoices and billing runs."""
