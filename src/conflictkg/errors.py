"""The one exception type users see: a message a person can act on, never a traceback."""


class ConflictKGError(Exception):
    """An error with a message that names the file, line, resource or parameter at fault.

    The CLI prints ``str(error)`` and exits non-zero; the endpoint turns it into a 4xx.
    """

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {d}" for d in self.details)
