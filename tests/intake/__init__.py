"""Email intake: parsing, threading and noise detection."""
