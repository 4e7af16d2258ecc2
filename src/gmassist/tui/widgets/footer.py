"""A footer that rebuilds its keys only when they change.

Textual's `Footer` recomposes (unmounts and mounts a widget per key) on every bindings signal, and a list
that reloads signals once per load: on a busy screen that is most of the time a view switch or a filter
keystroke takes, for a footer that looks the same afterwards. This one compares what it would show with
what it shows and leaves itself alone when they are equal.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class QuietFooter(Footer):
    """`Footer`, rebuilt only when the keys shown (key, action, description, enabled, tooltip) change."""

    _shown: tuple[tuple[Any, ...], ...] | None = None

    @staticmethod
    def shown(screen: Screen[Any]) -> tuple[tuple[Any, ...], ...]:
        """What the footer would show for `screen` now."""
        return tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Rebuild (as Footer does) unless the keys shown are the ones already there."""
        if self._bindings_ready and screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = self.shown(screen)
            if shown == self._shown:
                return
            self._shown = shown
        else:
            self._shown = None
        super().bindings_changed(screen)
