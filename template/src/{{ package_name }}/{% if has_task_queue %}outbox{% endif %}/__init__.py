"""The transactional outbox: domain events stored with the change that caused them.

A request's events are written to ``outbox_messages`` in its own transaction
(``plugin.OutboxRecorder``), so they exist exactly when the change does, and
survive a crash right after the commit.  ``relay.OutboxRelay`` publishes unsent
rows to the task queue and marks them published: nudged after each commit in
the API process, and swept on a schedule by the worker.  Delivery is
at-least-once; the jobs use the event id to do their work once.
"""
