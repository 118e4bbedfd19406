"""The gRPC server's settings, part of the service's ``Settings`` (``core/settings.py``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

DEFAULT_GRPC_PORT = 50051
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class GrpcSettings(BaseSettings):
    # Where the gRPC server listens, beside the HTTP server (0: a free port, for tests).
    grpc_host: str = "127.0.0.1"
    grpc_port: int = Field(default=DEFAULT_GRPC_PORT, ge=0, le=65535)
    # On shutdown: how long calls in flight may finish before they are cancelled.
    grpc_grace_seconds: float = Field(default=10.0, ge=0)
    # The largest request or response message; a larger one is RESOURCE_EXHAUSTED.
    grpc_max_message_bytes: int = Field(default=MAX_MESSAGE_BYTES, ge=1024)
    # Calls served at once; more wait (None: no limit but the event loop's).
    grpc_max_concurrent_calls: int | None = Field(default=None, ge=1)
    # Server reflection (grpcurl, Postman, evans list and describe the services without the
    # .proto files); None: served everywhere but in production, where it answers UNIMPLEMENTED.
    grpc_reflection_enabled: bool | None = None

    def grpc_reflection_served(self, environment: str) -> bool:
        """Whether reflection is served: as asked, else everywhere but in production."""
        if self.grpc_reflection_enabled is None:
            return environment != "production"
        return self.grpc_reflection_enabled
