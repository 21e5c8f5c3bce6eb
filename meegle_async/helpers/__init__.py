"""Helpers composed into the endpoint groups: chunking, pagination, polling, time windows."""
