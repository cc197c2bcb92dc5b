"""`make local`: the pipeline in the foreground until Ctrl-C or SIGTERM.

Prints exactly two lines first, `api: <url>` and `aws: <url>`, so scripts can read them.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

from tools.command_line import USAGE, USAGE_ERRORS, complain
from tools.local_run.options import LocalOptions
from tools.local_run.pipeline import LocalPipeline

# Fixed by default so the URLs stay the same from run to run; API_PORT/AWS_PORT change them.
DEFAULT_API_PORT = 8000
DEFAULT_AWS_PORT = 5000


def main() -> int:
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    # Installed before anything starts: a Ctrl-C during start-up still shuts down cleanly.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        options = LocalOptions.from_environment(
            default_api_port=DEFAULT_API_PORT, default_aws_port=DEFAULT_AWS_PORT
        )
        pipeline = LocalPipeline(options)
        pipeline.start()
    except USAGE_ERRORS as error:  # LocalRunError, or the stack's config refused
        return complain("local", error, USAGE)
    try:
        print(f"api: {pipeline.api_url}", flush=True)
        print(f"aws: {pipeline.aws_url}", flush=True)
        stopping.wait()
    finally:
        pipeline.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
