"""Core's own behaviour, written as plugins on the same hooks a third-party plugin uses.

They are registered in every app before the enabled plugins and cannot be disabled.
"""
