"""Deploy fidelity: what a real `pulumi up` would reject or get wrong, caught offline.

Every check reads the resources the program itself registers under the recording mocks
(`tools.pulumi_mocks.program.run_program`), so a resource another component adds is covered as soon
as it exists, and returns `Finding`s instead of raising, so tests can show each check fail.
"""
