"""Error types the runtime raises; each message names the problem and the fix."""


class EdgeVFMError(Exception):
    """Base class for every error edgevfm raises on purpose."""


class BundleError(EdgeVFMError):
    """The bundle is missing, malformed, tampered with, or from an unsupported schema."""


class SignatureError(BundleError):
    """A trusted key was required and the bundle's signature is missing, invalid or from another key."""


class EngineUnavailable(EdgeVFMError):
    """The inference engine a bundle needs is not installed or cannot run here."""


class ProfilingUnavailable(EngineUnavailable):
    """The engine cannot report where a run spends its time (``Session.profile``)."""


class InputError(EdgeVFMError, ValueError):
    """An image or prompt has the wrong type, dtype, shape or range."""
