"""What the approval engine announces, for the domains whose tickets it approves (changes, service requests)."""

from django.dispatch import Signal

# Sent after commit once a request is decided: sender=ApprovalRequest, request=<ApprovalRequest>,
# outcome="approved" | "rejected". The ticket's domain moves on from it (a change is scheduled or rejected).
approval_decided = Signal()
