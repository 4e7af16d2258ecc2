"""Pure domain logic: plain Python and dateutil only, no Textual, SQLModel, SQLAlchemy or keyring.

Functions here take plain values or objects with the store tables' attribute names, and the time
is always passed in (`now` / `today`), so they are fast to test and safe to call from any thread.
"""
