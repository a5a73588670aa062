"""Staff accounts, roles and API keys; they live in each library's own schema."""
