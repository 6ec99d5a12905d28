"""Hand-written implementations of the generated handler Protocols, one module per tag."""
