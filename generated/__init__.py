"""Code generated from openapi/ by `make generate`; never edit by hand."""
