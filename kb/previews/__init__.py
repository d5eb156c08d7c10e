"""Draft previews: short-lived signed tokens for one draft version, read through the public endpoints."""
