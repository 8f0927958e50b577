"""Notifications: outgoing channels (transports) and the HTTP helper they share."""
