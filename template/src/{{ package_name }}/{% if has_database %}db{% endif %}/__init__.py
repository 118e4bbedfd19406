"""The database: engine, unit of work, repository base, model base, readiness probe."""
