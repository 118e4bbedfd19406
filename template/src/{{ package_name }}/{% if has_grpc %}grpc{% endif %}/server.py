"""The asyncio grpcio server: the domains' servicers, the health service, reflection.

A servicer names its service (``SERVICE``, the descriptor grpcio-tools generated from
its .proto) and has an async method per RPC; ``handler_of`` binds them with the
generated message classes, so no hand-written or generated glue is needed per method.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import grpc
import structlog
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from .settings import GrpcSettings

logger = structlog.get_logger(__name__)


class Servicer(Protocol):
    SERVICE: ServiceDescriptor


Behaviour = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]


def parsing(behaviour: Behaviour, request: type[Message]) -> Behaviour:
    """``behaviour`` given the request's bytes: bytes that are not a ``request`` message end the
    call with INVALID_ARGUMENT, a client's error (grpcio's own parsing answers UNKNOWN with the
    decoder's words and logs an error with its traceback)."""
    name = request.DESCRIPTOR.full_name

    async def parsed(data: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            message = request.FromString(data)
        except DecodeError:
            logger.info("malformed request message", message_type=name)
            detail = f"the request is not a valid {name} message"
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, detail)
        return await behaviour(message, context)

    return parsed


def handler_of(servicer: Servicer) -> grpc.GenericRpcHandler:
    """The handlers of every method of ``servicer.SERVICE``: each its servicer's method of
    the same name (a missing one fails here, when the server is built)."""
    service = servicer.SERVICE
    handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    for method in service.methods:
        request = GetMessageClass(method.input_type)
        response = GetMessageClass(method.output_type)
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            parsing(getattr(servicer, method.name), request),
            response_serializer=response.SerializeToString,
        )
    return grpc.method_handlers_generic_handler(service.full_name, handlers)


def build_server(
    settings: GrpcSettings,
    servicers: Sequence[Servicer],
    *,
    reflection_served: bool = True,
) -> tuple[grpc.aio.Server, Any]:
    """The server (not started) and its health servicer, every service SERVING; reflection
    too when ``reflection_served``."""
    limit = settings.grpc_max_message_bytes
    server = grpc.aio.server(
        options=(
            ("grpc.max_receive_message_length", limit),
            ("grpc.max_send_message_length", limit),
        ),
        maximum_concurrent_rpcs=settings.grpc_max_concurrent_calls,
    )
    server.add_generic_rpc_handlers([handler_of(servicer) for servicer in servicers])
    checks = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checks, server)
    if reflection_served:
        names = [servicer.SERVICE.full_name for servicer in servicers]
        reflection.enable_server_reflection(
            (*names, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
    return server, checks


async def mark_serving(checks: Any, names: Sequence[str]) -> None:
    """The whole server ("") and each service answer SERVING to health checks."""
    for name in ("", *names):
        await checks.set(name, health_pb2.HealthCheckResponse.SERVING)
