"""Domain records: frozen dataclasses that every adapter maps to and from."""
