"""Webhooks, as the Standard Webhooks spec has them: endpoints admins register (kb.webhooks.endpoints),
events written with the change that causes them (events), signed (signing) attempts delivered by the
job worker with retries (delivery) over HTTP (transport) to public addresses only (ssrf)."""
