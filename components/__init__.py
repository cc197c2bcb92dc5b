"""Reusable Pulumi components of the order pipeline, composed per stack in `__main__.py`."""
