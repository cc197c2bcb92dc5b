"""Lambda handlers and the pure order logic they share.

Packaged as the `handlers` package inside each function's code archive, so imports
read the same in AWS, in tests and in the local run.
"""
