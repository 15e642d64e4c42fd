"""The package version; also the git tag (``v<version>``) of the matching template release."""

__version__ = "0.8.0"
