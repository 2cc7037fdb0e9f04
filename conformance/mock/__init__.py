"""The embedded mock Enterprise Manager: a seeded, fault-injectable stand-in for the real API."""

from .app import DEFAULT_PASSWORD, DEFAULT_USER, PASSWORD_ENV, create_app
from .data import generate_dataset
from .faults import FAULTS, Fault
from .model import Dataset

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_USER", "FAULTS", "PASSWORD_ENV", "Dataset", "Fault", "create_app",
           "generate_dataset"]
