"""The footer every screen uses: Textual's `Footer`, rebuilt only when the keys it shows change.

Textual's `Footer` recomposes (unmounts and mounts a widget per key, and styles each) on every bindings
signal: every focus change, every list reload, every highlight that greys a key in or out. On a screen with
twenty-odd keys that was most of the time a view switch, a filter keystroke or a card move took, for a
footer that looked the same afterwards. This one looks once the screen has settled (several signals in a
row make one look), leaves itself alone when nothing shown changed, and only greys keys in or out when that
is all that changed.
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
    _pending = False

    @staticmethod
    def shown(screen: Screen[Any]) -> Shown:
        """What the footer would show for `screen` now."""
        return tuple(
            (binding.key, binding.action, binding.description, tooltip, enabled)
            for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Look again after the next refresh (as Footer does), once however many signals come first."""
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen or self._pending:
            return
        self._pending = True
        self.call_after_refresh(self._update)

    async def _update(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown, before = self.shown(self.screen), self._shown
        if shown == before:
            return
        self._shown = shown
        if before is not None and [s[:4] for s in shown] == [s[:4] for s in before]:
            enabled: dict[str, bool] = {}
            for _key, action, _description, _tooltip, on in shown:
                enabled.setdefault(action, on)  # Footer shows one key per action, the first binding's
            changed = []
            for key in self.query(FooterKey):
                if key.action in enabled and key._disabled == enabled[key.action]:
                    # FooterKey's own flag and class, as it sets them when built (a click on a greyed key
                    # rings the bell); not Widget.disabled, which restyles and lays out the whole footer.
                    key._disabled = not enabled[key.action]
                    key.set_class(key._disabled, "-disabled", update=False)
                    changed.append(key)
            # Restyled together: keys alike share one look-up of their rules (one by one, ten keys greyed
            # out took 5 ms).
            self.app.stylesheet.update_nodes(changed)
            for key in changed:
                key.refresh()
            return
        await self.recompose()
