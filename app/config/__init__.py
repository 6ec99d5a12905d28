"""Configuration: the settings read from the environment at start-up, and the development
signing key."""
