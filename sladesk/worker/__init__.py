"""The background worker: periodic jobs enqueued as Django tasks and run by django-tasks-db."""
