"""Invoice and credit-note documents: what a document says (plain values), its ja/en wording, and its PDF."""
