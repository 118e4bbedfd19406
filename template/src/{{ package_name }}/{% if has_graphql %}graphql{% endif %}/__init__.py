"""The GraphQL entry point: a Strawberry schema at /graphql over the domains' services.

The domains give their types and resolvers (``<resources>/resolvers.py``); this package
assembles the schema, builds each request's context, maps errors and enforces limits.
"""
