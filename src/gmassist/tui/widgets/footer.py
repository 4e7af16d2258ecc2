"""A footer that rebuilds its keys only when they change.

Textual's `Footer` recomposes (unmounts and mounts a widget per key) on every bindings signal, and a list
that reloads signals once per load: on a busy screen that is most of the time a view switch or a filter
keystroke takes, for a footer that looks the same afterwards, or differs only in which keys are greyed
out. This one leaves itself alone when nothing shown changed, and only greys keys in or out when that is
all that changed.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

Shown = tuple[tuple[Any, ...], ...]
"""What a footer shows: (key, action, description, tooltip, enabled) per binding, in order."""


class QuietFooter(Footer):
    """`Footer`, rebuilt only when the keys shown change; a change of enabled keys only re-greys them."""

    _shown: Shown | None = None

    @staticmethod
    def shown(screen: Screen[Any]) -> Shown:
        """What the footer would show for `screen` now."""
        return tuple(
            (binding.key, binding.action, binding.description, tooltip, enabled)
            for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Rebuild (as Footer does) unless the same keys are shown; re-grey them when only that changed."""
        if not (self._bindings_ready and screen.app.app_focus and self.is_attached and screen is self.screen):
            self._shown = None
            super().bindings_changed(screen)
            return
        shown, before = self.shown(screen), self._shown
        self._shown = shown
        if shown == before:
            return
        if before is not None and [s[:4] for s in shown] == [s[:4] for s in before]:
            enabled: dict[str, bool] = {}
            for _key, action, _description, _tooltip, on in shown:
                enabled.setdefault(action, on)  # Footer shows one key per action, the first binding's
            for key in self.query(FooterKey):
                if key.action in enabled:
                    key.disabled = not enabled[key.action]
                    key.set_class(not enabled[key.action], "-disabled")
            return
        super().bindings_changed(screen)
