"""The service's .proto files and the modules grpcio-tools generates from them.

Never edit a ``*_pb2.py`` or ``*_pb2.pyi`` by hand: change the .proto and run
``python -m <package>.grpc.codegen`` (a test fails when they are out of date).
"""
