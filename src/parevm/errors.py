"""Errors parevm reports to users as one line (the CLI prints them without a traceback)."""


class ParevmError(Exception):
    """Base of every error that is the input's fault or a stated limit, not a bug."""


class InputError(ParevmError):
    """Bad input: names the file (or other source) and what is wrong with it."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")
