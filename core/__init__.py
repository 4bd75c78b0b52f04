"""Basics every layer may use: languages and formatting, settings, shared codes."""
