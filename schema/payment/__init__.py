"""Payment settings over GraphQL: cards, invoice applications, invoice profiles, merging."""
