"""Outbound notifications: what the desk mails to customers and staff when tickets change and when
service levels are at risk (SPEC §5). See :mod:`servicedesk.notify.outbox` for the exactly-once rule."""
