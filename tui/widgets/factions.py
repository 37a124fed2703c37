"""The faction hierarchy with bloc glyphs and colours, and what each held at the date."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList, Static, Tree
from textual.widgets.tree import TreeNode
from textual.widgets.option_list import Option

from store import Faction, Store
from store.model import BLOCS

from .following import FollowsState
from .lists import KeyedOptionList


MAX_TREE_DEPTH = 12  # real faction trees are three deep; Textual's Tree recurses per level


class FactionTree(Tree[str], inherit_bindings=False):
    """The faction tree, moved with the same keys (and ids) as the place lists.

    Tree's own bindings are not inherited: its space folds a node, and here
    space plays time as everywhere else. Folding is ``o``, or ``h``/``l``
    (arrows too) as in a tree: ``h`` folds a faction, or goes up to the one
    above it; ``l`` unfolds it, or goes down to its first sub-faction.
    """
    HELP_SECTION = ("Factions pane", 60)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="list.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="list.bottom"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("enter", "select_cursor", "Places", show=False, id="list.select",
                tooltip="On a faction: into the list of the places it held (Enter there jumps to one)"),
        Binding("o", "toggle_node", "Fold", id="factions.fold", tooltip="Fold or unfold the highlighted faction's sub-factions"),
        Binding("h,left", "fold_or_up", "Fold", show=False, id="nav.ascend",
                tooltip="Fold the highlighted faction, or up to the one above it"),
        Binding("l,right", "unfold_or_down", "Unfold", show=False, id="nav.descend",
                tooltip="Unfold the highlighted faction, or down to its first sub-faction"),
    ]

    def action_fold_or_up(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def action_unfold_or_down(self) -> None:
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if not node.is_expanded:
            node.expand()
        elif node.children:
            self.move_cursor(node.children[0])


class FactionsPane(FollowsState, Vertical):
    """Tree of factions (by bloc); below it, the places the highlighted one held."""

    DEFAULT_CSS = """
    FactionsPane {
        width: 2fr;
        min-width: 30;
        border: round $accent;
    }
    FactionsPane > Tree {
        height: 3fr;
        min-height: 5;
        padding: 0 0;
        overflow-x: hidden;
    }
    FactionsPane > #holdings-title {
        color: $text-muted;
        padding: 0 1;
        border-top: solid $panel-lighten-2;
    }
    FactionsPane > OptionList, FactionsPane > OptionList:focus {
        background: $surface;
        height: 2fr;
        min-height: 3;
        border: none;
    }
    """

    class PlaceChosen(Message):
        def __init__(self, region_id: str) -> None:
            super().__init__()
            self.region_id = region_id

    day: reactive[date] = reactive(date(2018, 12, 31), init=False, repaint=False)
    """The as-of date (bound to the app's)."""

    def __init__(self, store: Store, day: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.set_reactive(FactionsPane.day, day)
        self.faction_id: str | None = None
        self._shown_for: tuple[date, str] | None = None  # (day, theme) the labels were drawn for
        self._flattened: dict[str, int] = {}  # faction id -> real depth, for those drawn flat

    def compose(self) -> ComposeResult:
        tree: Tree[str] = FactionTree(Text("Factions"), id="factions-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree
        yield Static(id="holdings-title")
        yield KeyedOptionList(id="holdings")

    def on_mount(self) -> None:
        self._build_tree()
        # Start on the first faction (line 0 is its bloc's heading).
        self.query_one(Tree).cursor_line = 1

    def _label(self, faction: Faction) -> Text:
        key = faction.bloc_key
        text = Text()
        if faction.id in self._flattened:  # listed flat below MAX_TREE_DEPTH: say how deep it is
            text.append(f"[level {self._flattened[faction.id]}] ", style="dim")
        text.append(faction.glyph, style=f"bold {self.colours.get(key, '')}".strip())
        text.append(" ")
        text.append(faction.name)
        text.append(f"  {faction.short}", style="dim")
        held = len(self.store.holdings(faction.id, self.day))
        if held:
            text.append(f"  holds {held}", style="bold")
        return text

    def _build_tree(self) -> None:
        """Bloc headings, then each bloc's factions as the store walks them.

        Iterative, and no deeper than MAX_TREE_DEPTH (Textual's Tree draws
        recursively): the factions of a crafted chain below that are listed
        flat under their ancestor at that depth, each with its real depth.
        """
        tree = self.query_one(Tree)
        tree.clear()
        self._flattened.clear()
        blocs: dict[str, TreeNode[object]] = {}
        line: list[TreeNode[object]] = []  # line[d]: the node of the current faction at depth d
        for faction, depth in self.store.walk_factions():
            if depth == 0:
                bloc_id = faction.bloc_key
                if bloc_id not in blocs:
                    blocs[bloc_id] = tree.root.add(self._bloc_label(bloc_id), data=("bloc", bloc_id), expand=True)
                parent = blocs[bloc_id]
            else:
                parent = line[min(depth, MAX_TREE_DEPTH) - 1]  # a flattened one hangs from the deepest shown
            if depth >= MAX_TREE_DEPTH:
                self._flattened[faction.id] = depth
                parent.add_leaf(self._label(faction), data=faction.id)
                continue
            if self.store.faction_children(faction.id):
                node = parent.add(self._label(faction), data=faction.id, expand=True)
            else:
                node = parent.add_leaf(self._label(faction), data=faction.id)
            del line[depth:]
            line.append(node)
        tree.root.expand()
        tree.auto_expand = False  # Enter moves to the holdings; it must not fold the node

    def _bloc_label(self, bloc_id: str) -> Text:
        bloc = BLOCS.get(bloc_id)
        label = Text()
        label.append(bloc.glyph if bloc else "?", style=f"bold {self.colours.get(bloc_id, '')}".strip())
        label.append(" ")
        label.append(bloc.label if bloc else bloc_id, style="bold")
        return label

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted and self._shown_for is not None and self._shown_for[1] != self.app.theme:
            self._update()  # another theme: relabel in its colours

    def data_changed(self) -> None:
        """The database changed (an edit): the counts and holdings made again."""
        self._shown_for = None
        self._update()
        if self.is_mounted:
            self._fill_holdings()

    def _update(self) -> None:
        """Relabel for the date (and theme); a hidden pane waits until it shows."""
        if not self.is_mounted or not self.display or self._shown_for == (self.day, self.app.theme):
            return
        self._shown_for = (self.day, self.app.theme)
        self.border_title = Text(f"Factions on {self.day.isoformat()}")
        self._relabel()
        self._fill_holdings()

    def _relabel(self) -> None:
        stack: list[TreeNode[object]] = [self.query_one(Tree).root]
        while stack:
            node = stack.pop()
            if isinstance(node.data, str) and node.data in self.store.factions:
                node.set_label(self._label(self.store.factions[node.data]))
            elif isinstance(node.data, tuple):
                node.set_label(self._bloc_label(node.data[1]))
            stack.extend(node.children)

    def on_tree_node_highlighted(self, message: Tree.NodeHighlighted) -> None:
        message.stop()
        data = message.node.data
        self.faction_id = data if isinstance(data, str) else None
        self._fill_holdings()

    def on_tree_node_selected(self, message: Tree.NodeSelected) -> None:
        message.stop()
        holdings = self.query_one("#holdings", OptionList)
        if holdings.option_count:
            if holdings.highlighted is None:
                holdings.highlighted = 0  # so the next Enter jumps, as the hint says
            holdings.focus()

    def _fill_holdings(self) -> None:
        holdings = self.query_one("#holdings", OptionList)
        holdings.clear_options()
        title = self.query_one("#holdings-title", Static)
        if self.faction_id is None:
            title.update(Text("Highlight a faction to see the places it held", style="dim"))
            return
        faction = self.store.factions[self.faction_id]
        places = self.store.holdings(faction.id, self.day)
        header = Text()
        header.append(faction.name)
        header.append(f" held {len(places)} place{'s' if len(places) != 1 else ''} on {self.day.isoformat()}")
        if places:
            header.append(" · Enter jumps there", style="dim")
        title.update(header)
        options = []
        for region in places:
            parent = self.store.regions.get(region.parent) if region.parent else None
            label = Text(region.name)
            if parent:
                label.append(f"  {parent.name}", style="dim")
            period = self.store.period_at(region.id, self.day)
            if period and period.status != "held":
                label.append(f"  {period.status}", style="italic")
            options.append(Option(label, id=region.id))
        holdings.add_options(options)

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        if message.option.id:
            self.post_message(self.PlaceChosen(message.option.id))

    def focus_tree(self) -> None:
        self.query_one(Tree).focus()
