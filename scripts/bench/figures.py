"""What the bench summaries share (summarize.py, pg_summary.py): reading
the numbers and the key=value files a run leaves."""

import os


def num(v):
    """A figure as a float; NaN for what is no number."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def kv(path):
    """A file of key=value lines as a dict; empty if there is no file."""
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
    return out
