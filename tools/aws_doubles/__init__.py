"""AWS stand-ins shared by the tests, the local run, reliability and the benchmarks:
moto's set-up and Lambda event payloads built from real AWS API responses."""
