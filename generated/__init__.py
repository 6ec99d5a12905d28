"""Code generated from openapi/openapi.yaml by `make generate`; never edit by hand."""
