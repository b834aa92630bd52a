"""RQ worker processes. Job functions live in the package (contact_service.jobs); these only start workers."""
