"""Who the caller is and how much they may ask: tokens, passwords, bearer credentials, rate
limits, the first superadmin."""
