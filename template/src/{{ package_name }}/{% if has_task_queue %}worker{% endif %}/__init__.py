"""The worker: runs the domains' jobs (``<domain>/tasks.py``) for the events the outbox
relays, and the periodic outbox sweep and cleanup.  Start it with ``python -m`` on
this package; ``--check`` is its health check."""
