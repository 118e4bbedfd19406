"""The gRPC entry point: an asyncio grpcio server started in the app's lifespan.

One process, one composition root: the server calls the same services as the HTTP routes,
on the same engine, event bus and auth state (``plugin``).
"""
