"""The usage feature's GraphQL layer: staff record consumption per day and units in
use per hour on burstable lines, billed monthly in arrears by the billing run."""
