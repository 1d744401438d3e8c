"""Documents: PDF and Word files rendered from templates in the tenant's look, and uploaded files kept per tenant."""
