"""From orders and activations to issued invoices: orders, usage, billing runs,
issuing, numbering, card charges, PO holds, reading and settling invoices."""
