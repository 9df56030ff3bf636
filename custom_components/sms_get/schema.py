"""The schema library of the running Home Assistant.

Home Assistant 2026 validates with probatio (voluptuous' successor, aliased as
voluptuous at runtime); 2025.4 with voluptuous. Importing the real one keeps the
types right on both lines.
"""

try:
    import probatio as vol  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # Home Assistant 2025
    import voluptuous as vol  # type: ignore[no-redef, unused-ignore]

__all__ = ["vol"]
