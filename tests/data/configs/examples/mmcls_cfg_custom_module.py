"""A module imported by `custom_imports` in the config tests."""
__all__ = ['LOADED']
LOADED = True
