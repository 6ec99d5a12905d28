"""Code generated from openapi/v2/openapi.yaml by `make generate`; never edit by hand."""
