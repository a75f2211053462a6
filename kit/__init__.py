"""What every layer shares: exact money and currencies. Imports nothing of the project."""
