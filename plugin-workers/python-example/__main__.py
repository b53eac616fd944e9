"""Runs python-example on a loopback port from its signed zip, so the code the core verifies is the
code that runs: `CREDVEND_CALLER_SECRET=... python3 code.zip --port 0` prints its URL first."""

from credvend_worker import run_loopback
from pyex_worker import PyexWorker

if __name__ == "__main__":
    run_loopback(PyexWorker())
