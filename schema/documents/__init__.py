"""The documents feature's GraphQL layer: an issued invoice's PDF, as kept at issue."""
