"""The built-in demo: synthetic videos of built-in photos."""
