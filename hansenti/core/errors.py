"""Errors a user can cause: each carries a one-line message that says what to do."""


class HansentiError(Exception):
    """A problem with the user's input or environment; the CLI prints it and exits 2."""


class UnknownNameError(HansentiError, KeyError):
    """A registry was asked for a name it does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class BackendMissingError(HansentiError, ImportError):
    """A tokenizer's backend package (or Java) is not installed."""


class CorpusError(HansentiError):
    """A corpus file is missing, corrupt or malformed."""


class RunDirError(HansentiError):
    """A run or tokenizer directory is incomplete or corrupt."""
