"""Channels in and out of the desk: email, phone/CTI, monitoring, notifications."""
