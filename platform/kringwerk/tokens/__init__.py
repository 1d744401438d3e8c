"""Personal links: random tokens, stored hashed, bound to a tenant and a purpose, expiring and revocable."""
