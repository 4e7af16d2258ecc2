"""Everything Textual: the app, its screens, dialogs and widgets."""
