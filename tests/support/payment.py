"""GraphQL documents and helpers for the payment settings tests."""

from __future__ import annotations

from typing import Any

PROFILE_FIELDS = """
  id version companyName department contactName billingEmail ccEmails phone postalCode
  country region city addressLines taxRegistrationNumber deliveryMethod language coverages updatedAt
"""
SETTINGS = f"""
query Settings($coverage: Coverage!) {{
  paymentSettings(coverage: $coverage) {{
    coverage currency paymentMethod
    creditCard {{ brand last4 expMonth expYear errorCode }}
    invoiceProfile {{ {PROFILE_FIELDS} history(first: 50) {{ edges {{ node {{
      version changedBy changedAt field oldValue newValue }} }} }} }}
    invoiceApplication {{ id status rejectionReason }}
  }}
}}
"""
APPLY = """
mutation Apply($input: ApplyForInvoicePaymentInput!) {
  applyForInvoicePayment(input: $input) {
    application { id status coverage companyName switchingFee { amount currency } monthlyIssueFee { amount currency } }
    errors { code field message }
  }
}
"""
APPROVE = """
mutation Approve($id: ID!) {
  approveInvoiceApplication(input: {applicationId: $id}) {
    application { id status } errors { code field message }
  }
}
"""
REJECT = """
mutation Reject($id: ID!, $reason: String!) {
  rejectInvoiceApplication(input: {applicationId: $id, reason: $reason}) {
    application { id status rejectionReason } errors { code field message }
  }
}
"""
UPDATE = f"""
mutation Update($input: UpdateInvoiceProfileInput!) {{
  updateInvoiceProfile(input: $input) {{
    invoiceProfile {{ {PROFILE_FIELDS} }}
    errors {{ code field message }}
  }}
}}
"""
MERGE = """
mutation Merge($from: Coverage!, $into: Coverage!) {
  mergeInvoicePayment(input: {from: $from, into: $into}) {
    paymentSettings { coverage paymentMethod invoiceProfile { id coverages companyName } }
    errors { code field message }
  }
}
"""
UNMERGE = """
mutation Unmerge($coverage: Coverage!) {
  unmergeInvoicePayment(input: {coverage: $coverage}) {
    paymentSettings { coverage paymentMethod invoiceProfile { id coverages version } }
    errors { code field message }
  }
}
"""
REGISTER_CARD = """
mutation Card($input: RegisterCreditCardInput!) {
  registerCreditCard(input: $input) {
    paymentSettings { coverage paymentMethod creditCard { brand last4 expMonth expYear errorCode receiptEmail receiptLanguage } invoiceProfile { id } }
    errors { code field message }
  }
}
"""
PENDING = """
query Pending($first: Int, $after: String) {
  pendingInvoiceApplications(first: $first, after: $after) {
    edges { cursor node { id coverage status companyName account { name } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""

OWNER_SCOPES = "billing:read billing:write"


def application(coverage: str = "JP", **overrides: Any) -> dict[str, Any]:
    """A valid application input for ``coverage``."""
    values: dict[str, Any] = {
        "coverage": coverage,
        "companyName": "Acme IoT K.K.",
        "department": "Accounting",
        "contactName": "Hanako Yamada",
        "billingEmail": "billing@acme.example",
        "ccEmails": ["cfo@acme.example"],
        "phone": "+81 3-1234-5678",
        "postalCode": "100-0001",
        "country": "JP",
        "region": "Tokyo",
        "city": "Chiyoda-ku",
        "addressLines": ["1-1 Chiyoda"],
        "taxRegistrationNumber": "T7000012050002",
        "deliveryMethod": "EMAIL",
        "language": "JA",
    }
    values.update(overrides)
    return values


def payload(body: dict[str, Any], name: str) -> dict[str, Any]:
    assert "errors" not in body, body
    return body["data"][name]


async def invoice_coverage(gql: Any, token_for: Any, coverage: str = "JP", **overrides: Any) -> dict[str, Any]:
    """Apply as the owner and approve as staff: ``coverage`` pays by invoice. Returns its settings."""
    owner = await token_for("owner", OWNER_SCOPES)
    applied = payload(await gql(APPLY, owner, {"input": application(coverage, **overrides)}), "applyForInvoicePayment")
    assert applied["errors"] == []
    staff = await token_for("staff-1", "admin")
    approved = payload(await gql(APPROVE, staff, {"id": applied["application"]["id"]}), "approveInvoiceApplication")
    assert approved["errors"] == [], approved
    return payload(await gql(SETTINGS, owner, {"coverage": coverage}), "paymentSettings")
