"""The result of einjit.explain: the CLI's text and its JSON fields."""

from __future__ import annotations

import html
from typing import Any


class Explanation:
    """``str()`` is what ``einjit explain`` prints; the keys of ``einjit explain --json`` are
    attributes (``call``, ``function``, ``dtype``, ``operands``, ``out_shape``, ``index``,
    ``einsum``, ``numpy``, ``roles``, ``extents``, ``broadcast``, ``unit_output_axes``,
    ``notes``, ``multiply_adds``, ``legacy`` (the legacy Keras result where it applies),
    ``batch_dot``, and with emit= ``program``, ``path``, ``passes``, ``loops``, ``llvm``,
    ``asm``)."""

    def __init__(self, text: str, fields: dict[str, Any]) -> None:
        self._text = text
        self._fields = fields
        if "out_shape" in fields:
            fields["out_shape"] = tuple(fields["out_shape"])

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("_fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(f"Explanation has no field {name!r} "
                             f"(its fields: {', '.join(fields)})")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._fields))

    def as_dict(self) -> dict[str, Any]:
        """The fields as `einjit explain --json` has them."""
        return dict(self._fields)

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return self._text

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self._text)}</pre>"
