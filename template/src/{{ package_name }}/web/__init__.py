"""The HTTP edge: problem details, middleware, limits, security headers, OpenAPI, pagination."""
