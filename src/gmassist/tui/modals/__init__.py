"""Dialogs (`ModalScreen[Result]` that dismiss with their result), one module per area and purpose."""
