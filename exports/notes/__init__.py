"""Advocacy notes: ``content.build_note`` reads the public views, ``writer`` renders them.

Import from the modules (this package loads nothing, so a renderer process can load the
rendering libraries without pandas)."""
