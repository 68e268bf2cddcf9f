"""Package version, shared by the three packages of lamm-toolkit."""

__version__ = "0.1.0"
