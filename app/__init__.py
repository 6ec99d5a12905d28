"""The service core: settings, database, security, authorization, errors and the app factory."""
