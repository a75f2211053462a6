"""DataLoaders, one module each, created per request (a loader caches what it
loaded, and must never serve one caller's rows to another)."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from schema.loaders.accounts import load_accounts
from schema.loaders.coverage_payers import load_coverage_payers
from schema.loaders.credit_notes import load_credit_note_documents, load_credit_notes
from schema.loaders.invoice_documents import load_invoice_documents
from schema.loaders.invoice_emails import load_invoice_emails
from schema.loaders.invoice_lines import load_invoice_lines
from schema.loaders.invoice_taxes import load_invoice_taxes
from schema.loaders.subscription_lines import load_subscription_lines


@dataclass
class Loaders:
    accounts: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_accounts))
    invoice_lines: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_invoice_lines))
    invoice_taxes: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_invoice_taxes))
    invoice_emails: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_invoice_emails))
    invoice_documents: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_invoice_documents))
    credit_notes: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_credit_notes))
    credit_note_documents: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_credit_note_documents))
    subscription_lines: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_subscription_lines))
    coverage_payers: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_coverage_payers))
