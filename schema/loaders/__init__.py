"""DataLoaders, one module each, created per request (a loader caches what it
loaded, and must never serve one caller's rows to another)."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from schema.loaders.accounts import load_accounts


@dataclass
class Loaders:
    accounts: DataLoader = field(default_factory=lambda: DataLoader(load_fn=load_accounts))
