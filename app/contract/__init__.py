"""The route runtime generated code binds to: route registration, the authorization guard, the
handler's context, envelopes, and binding handlers to the spec."""
