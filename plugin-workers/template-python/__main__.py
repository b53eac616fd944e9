"""Runs the worker on a loopback port from its zip (the conformance kit, by hand):
CREDVEND_CALLER_SECRET=<secret> python3 code.zip --port 0   prints its URL first.
Installed, `credvend dev` runs it with --caller-secret-stdin under bubblewrap (docs/python-workers.md)."""

from credvend_worker import run_loopback
from worker import TemplateWorker

if __name__ == "__main__":
    run_loopback(TemplateWorker())
