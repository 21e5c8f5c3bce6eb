"""Endpoint groups: one class per area of the API, one method per spec entry."""
