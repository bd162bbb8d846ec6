"""The assertions the Python checks share (tests/interop/check.py,
tests/postgres/replicas.py): a check raises CheckFailed with what it saw,
and the report prints describe(e) after FAIL."""


class CheckFailed(Exception):
    pass


def describe(e):
    """A failure, one line: a check's own message, or the exception's type
    and text."""
    if isinstance(e, CheckFailed):
        return str(e)
    return f"{type(e).__name__}: {e}"


def expect(cond, message):
    if not cond:
        raise CheckFailed(message)


def expect_eq(got, want, what="value"):
    if got != want:
        raise CheckFailed(f"{what}: got {got!r}, want {want!r}")
