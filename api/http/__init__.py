"""The HTTP API: routers (auth, cases, feeds, reference), schemas, dependencies, middleware."""
