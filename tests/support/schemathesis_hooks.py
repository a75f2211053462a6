"""Schemathesis hooks (``SCHEMATHESIS_HOOKS=tests.support.schemathesis_hooks``): the API's
custom scalars, and the values of ``ID`` and ``String``, drawn as the in-process
generated-operations test draws them, so that Schemathesis can write every operation
(``createOrder``, ``recordUsage``, ...) and reach past the first check of each."""

from __future__ import annotations

import schemathesis

from tests.support.graphql_values import SCALAR_VALUES

for _name, _strategy in SCALAR_VALUES.items():
    schemathesis.graphql.scalar(_name, _strategy)
