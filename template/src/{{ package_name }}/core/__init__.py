"""Shared infrastructure: settings, database, errors, events, logging, HTTP plumbing."""
