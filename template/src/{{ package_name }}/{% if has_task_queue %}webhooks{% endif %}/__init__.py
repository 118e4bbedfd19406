"""Webhooks: each domain event POSTed to a configured URL, signed, delivered once.

``service.WebhookService`` keeps one ``webhook_deliveries`` row per event (the
event id is the key, so a redelivered job sends nothing twice), retries with
exponential backoff and jitter (``retry``), stops calling a failing destination
for a while (``circuit``), and dead-letters an event after the last attempt.
"""
