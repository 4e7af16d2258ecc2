"""Subcommands of one area each (agenda, inbox, follow-ups, boards, brief), registered by gmassist.__main__.

A module here has `register(add)`; its command functions take (args, settings, clock) and return the exit
code, and reuse `gmassist.__main__.open_store` to open the store the same way every command does.
"""
