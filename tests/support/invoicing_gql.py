"""GraphQL documents for the invoicing tests."""

from __future__ import annotations

CREATE_ORDER = """
mutation Create($input: CreateOrderInput!) {
  createOrder(input: $input) {
    order { number bookedOn subscription { id coverage paymentTerms poNumber onHold }
            lines { id product activatedOn monthlyAmount { amount currency } } }
    errors { code field message }
  }
}
"""
ACTIVATE = """
mutation Activate($id: ID!, $on: Date!) {
  activateOrderLine(input: {lineId: $id, activatedOn: $on}) { line { id activatedOn } errors { code field message } }
}
"""
RUN = """
mutation Run($asOf: Date!) {
  runBilling(input: {asOf: $asOf}) { report { asOf issued held declined claimedElsewhere } errors { code message } }
}
"""
INVOICE_FIELDS = """
  id number coverage status issueDate dueDate paidOn currency paymentTerms poNumber
  subtotal { amount currency } taxTotal { amount currency } total { amount currency }
  lines { orderNumber product description periodStart periodEnd amount { amount currency } }
  taxes { taxCategory rate taxableAmount { amount } taxAmount { amount } }
  billTo { companyName contactName billingEmail country }
  issuer { name registrationNumber }
  notification { status sentAt recipients }
"""
INVOICE = f"""
query One($number: String!, $accountId: ID) {{ invoice(number: $number, accountId: $accountId) {{ {INVOICE_FIELDS} }} }}
"""
INVOICES = f"""
query Many($status: InvoiceStatus, $coverage: Coverage, $first: Int, $after: String, $accountId: ID) {{
  invoices(status: $status, coverage: $coverage, first: $first, after: $after, accountId: $accountId) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ cursor node {{ {INVOICE_FIELDS} }} }}
  }}
}}
"""
SUBSCRIPTIONS = """
query Subs { subscriptions { edges { node { id coverage termStart termEnd billingFrequency paymentTerms
  poNumber poRequired poExemptionFiled onHold lines { id orderNumber product activatedOn pooled } } } } }
"""
RECORD_PAYMENT = """
mutation Pay($id: ID!, $on: Date!) {
  recordPayment(input: {invoiceId: $id, paidOn: $on}) { invoice { number status paidOn } errors { code field message } }
}
"""
VOID = """
mutation Void($id: ID!, $reason: String!) {
  voidInvoice(input: {invoiceId: $id, reason: $reason}) { invoice { number status } errors { code field message } }
}
"""
SET_PO = """
mutation SetPo($id: ID!, $po: String) {
  setPurchaseOrderNumber(input: {subscriptionId: $id, poNumber: $po}) {
    subscription { id poNumber onHold } errors { code field message }
  }
}
"""
EXEMPT = """
mutation Exempt($id: ID!) {
  filePurchaseOrderExemption(input: {subscriptionId: $id}) { subscription { id poExemptionFiled onHold } errors { code field message } }
}
"""


def order_input(account_gid: str, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "accountId": account_gid, "coverage": "GLOBAL", "bookedOn": "2026-01-05", "startDate": "2026-01-01",
        "endDate": "2026-12-31", "billingFrequency": "MONTHLY_IN_ADVANCE",
        "lines": [
            {"product": "Compute", "description": "OCPU", "monthlyAmount": "3100.00"},
            {"product": "Storage", "description": "1 TB", "monthlyAmount": "310.00"},
        ],
    }
    data.update(overrides)
    return data
