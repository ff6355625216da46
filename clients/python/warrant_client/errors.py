"""Typed exceptions, one per reason code (docs/PROTOCOL.md §6)."""
from .wire import REASONS


class WarrantError(Exception):
    """Base of every error this client raises for a node's answer."""


class Rejected(WarrantError):
    """An ordered request committed but rejected, or a refusal with a reason code.
    `reason` is the code's name, `height` the block (None for refusals)."""
    reason = "rejected"

    def __init__(self, message, height=None, request=None):
        super().__init__(message)
        self.height = height
        self.request = request


class Refused(Rejected):
    """Refused before ordering (`error`): malformed, too large, bad signature."""


class Timeout(Refused):
    """Not committed within the node's request timeout; it may still commit: send the
    same bytes again to learn its result."""
    reason = "timeout"


def _class_name(reason):
    return "".join(part.capitalize() for part in reason.split("_"))


ERRORS = {}
for _code, _name in REASONS.items():
    if _name == "timeout":
        ERRORS[_name] = Timeout
        continue
    ERRORS[_name] = type(_class_name(_name), (Refused,), {"reason": _name, "__doc__": f"Reason code {_code}: `{_name}`."})
globals().update({cls.__name__: cls for cls in ERRORS.values()})


def error_for(reason_code, message, height=None, request=None):
    """The exception of a reason code number."""
    name = REASONS.get(reason_code, f"reason_{reason_code}")
    cls = ERRORS.get(name, Refused)
    return cls(f"{name}: {message}", height=height, request=request)
