"""The usage feature's GraphQL layer: staff record consumption per day (one at a
time or in batches), units in use per hour on burstable lines and after the term
end, and the price list those hours are billed at; the billing run bills them
monthly in arrears."""
