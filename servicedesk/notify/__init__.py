"""Outbound notifications: what the desk mails to customers and staff when tickets change and when
service levels are at risk (SPEC §5). See :mod:`servicedesk.notify.planning` (planned once) and
:mod:`servicedesk.notify.sending` (sent once) for the exactly-once rule.

Ticket changes are planned from the ticket's history, once per change (the versions one transaction
committed, see :mod:`servicedesk.notify.changes`): with a broker by a Celery
task right after the commit; without one (embedded mode) by the periodic ``send_due`` (every
minute), which also catches up on any change whose planning was lost, so the request or the mail
ingester that made the change never waits on planning or SMTP."""
