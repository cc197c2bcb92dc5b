"""Everything `pulumi up` does not need: the local run, the mocks runner, fidelity
checks, reliability, benchmarks, operator tools and the AWS stand-ins they share."""
