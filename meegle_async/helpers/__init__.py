"""Helpers composed into the endpoint groups: chunking, reads by id (missing ids, coalescing),
pagination, polling, time windows."""
