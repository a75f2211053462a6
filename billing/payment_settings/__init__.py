"""How a coverage pays: cards, invoice applications, invoice profiles, merging."""
