"""Reference apps the service benchmark runs beside the generated service (tests/bench_service.py)."""
