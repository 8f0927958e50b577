"""The service catalog in the portal, and the availability of services from their outages."""
