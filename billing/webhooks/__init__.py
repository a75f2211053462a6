"""Signed webhooks: an account's endpoints, and the delivery of its invoice events to them.

* ``endpoints`` and ``deliveries``: the use cases (create, list, disable, enable, rotate the
  secret, send a test event, redeliver), checked by ``access``;
* ``destinations``: where a delivery may go (no SSRF), checked at creation and at every try;
* ``fanout``: the worker copies new events into one delivery per endpoint that wants them;
* ``claims``, ``sender``, ``outcomes``: it claims due deliveries, posts them signed
  (``signing``, Standard Webhooks) and records each try, retrying by ``retry``, disabling an
  endpoint after a run of failures (``notices`` emails its owners);
* ``worker``: all of that as a companion of ``portal worker``.
"""
