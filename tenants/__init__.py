"""Libraries (tenants), their host names, provisioning and the platform's view of them."""
