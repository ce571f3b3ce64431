"""The org tree's units, read once and kept: they change only when an administrator imports an org file.

Staff and their chat bindings are not kept here (they change at run time); units are, because nearly
every message names one. A unit the cache has not seen is read from the database."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nlp.classifier import Classifier
from nlp.locator import Locator, place_aliases
from nlp.tokenizer import Tokenizer
from storage import org
from storage.db import Tx

if TYPE_CHECKING:
    from bot.services.deps import Deps


SUPERVISING_KINDS = ("community", "street", "district")     # levels whose staff supervise, 四级响应


class UnitCache:
    def __init__(self) -> None:
        self._by_id: dict[int, dict] = {}
        self._by_code: dict[str, dict] = {}
        self._ancestors: dict[int, list[dict]] = {}

    def clear(self) -> None:
        self._by_id.clear()
        self._by_code.clear()
        self._ancestors.clear()

    def _keep(self, unit: dict | None) -> dict | None:
        if unit is not None:
            self._by_id[unit["id"]] = unit
            self._by_code[unit["code"]] = unit
        return unit

    async def unit(self, tx: Tx, unit_id: int | None) -> dict | None:
        if unit_id is None:
            return None
        found = self._by_id.get(unit_id)
        return found if found is not None else self._keep(await org.unit(tx, unit_id))

    async def by_code(self, tx: Tx, code: str) -> dict | None:
        found = self._by_code.get(code)
        return found if found is not None else self._keep(await org.unit_by_code(tx, code))

    async def ancestors(self, tx: Tx, unit_id: int) -> list[dict]:
        """Parents nearest first, not including the unit itself."""
        if unit_id not in self._ancestors:
            self._ancestors[unit_id] = await org.ancestors(tx, unit_id)
        return self._ancestors[unit_id]

    async def supervising_above(self, tx: Tx, unit_id: int | None) -> list[dict]:
        """The supervising units above `unit_id`, nearest first (community, street, district)."""
        if unit_id is None:
            return []
        return [u for u in await self.ancestors(tx, unit_id) if u["kind"] in SUPERVISING_KINDS]


async def refresh_places(deps: Deps) -> None:
    """Rebuild the locator and the tokenizer's place words from the org tree."""
    async with deps.db.read() as tx:
        aliases = place_aliases(await org.aliases_with_kind(tx))
        deps.boundaries = await org.boundaries(tx)
    deps.locator = Locator(aliases)
    deps.classifier = Classifier(deps.lexicon, Tokenizer(alias for alias, _ in aliases))
