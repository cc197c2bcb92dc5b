"""Performance figures of the pipeline (`make bench`, docs/performance.md): AWS requests per order,
batch latency, cold start, synth time and the local run's throughput, each against a naive
baseline or a plain boto3 handler. They print; nothing here is a timed assertion.
"""
