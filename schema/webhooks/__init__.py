"""Signed webhooks over GraphQL: endpoints, their deliveries and tries."""
