"""Where orders come from besides manual entry (MISSION D1).

- `spreadsheet`: xlsx/csv import, one savepoint per row, a report of what happened;
- `external`: the REST channel, idempotent on the caller's external reference;
- `alarms`: the signed webhook of the O&M monitoring system (动环监控) and its rules.

Every order is made through `work_orders.services.work_order_create`, idempotent on
(organization, channel, external_ref), by way of the `create` each entry point is given:
`workflows.services.work_order_create`, which also reserves a published paid order's escrow
(settlement lies above this app, so the caller passes it in).
"""
