"""Who may read the schema itself (``__schema``, ``__type``).

In development everyone may (GraphiQL needs it). In production only staff and
the OAuth clients named in ``PORTAL_INTROSPECTION_CLIENTS``; anyone else is
refused with ``FORBIDDEN`` before the operation runs. ``__typename`` is not
introspection of the schema and is always allowed.
"""

from __future__ import annotations

from collections.abc import Collection

from billing.access.caller import Caller


def may_introspect(caller: Caller, *, open_to_all: bool, clients: Collection[str]) -> bool:
    """Whether ``caller`` may run an operation that reads ``__schema`` or ``__type``."""
    return open_to_all or caller.is_staff or (bool(caller.client_id) and caller.client_id in clients)
