"""The gallery (docs/schedules.md) shows every shape and composite: a new kind without an
entry, a stale page or a missing image fails here. Regenerate with scripts/gallery.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

import glideslope as gs
from glideslope.schedule import REGISTRY
from glideslope.spec import parse_spec

ROOT = Path(__file__).resolve().parents[2]


def _gallery() -> Any:
    spec = importlib.util.spec_from_file_location("glideslope_gallery_script", ROOT / "scripts" / "gallery.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


gallery = _gallery()


def _kinds(s: gs.Schedule) -> set[str]:
    out = {s.kind}
    for child in s.children():
        out |= _kinds(child)
    return out


def test_every_kind_and_warmup_stable_decay_has_an_entry() -> None:
    names = [e.name for e in gallery.ENTRIES]
    assert len(names) == len(set(names)), "duplicate gallery entries"
    native = {k for k, cls in REGISTRY.items() if not cls.__module__.startswith("glideslope.timm")}
    missing = (native | {"warmup_stable_decay"}) - set(names)
    assert not missing, f"add gallery entries (scripts/gallery.py) for: {sorted(missing)}"


def test_the_check_notices_a_new_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, "brand_new_shape", gs.Cosine)
    assert "no gallery entry for 'brand_new_shape'" in gallery.check()


@pytest.mark.parametrize("entry", gallery.ENTRIES, ids=lambda e: e.name)
def test_each_entry_draws_its_own_kind_from_its_expression(entry: Any) -> None:
    s = gallery.build(entry)
    assert isinstance(s, gs.Schedule) and s.is_bound
    if entry.name == "warmup_stable_decay":
        assert s == gs.warmup_stable_decay(peak=1.0, steps=1000)
    else:
        assert entry.name in _kinds(s)
    if not entry.python_only:
        assert parse_spec(entry.expression) == s  # the expression works on the command line too
    assert entry.description.strip() and "\n" not in entry.description
    assert entry.formula.strip()


def test_page_is_up_to_date_and_every_image_is_a_small_png() -> None:
    assert gallery.check() == []
    page = (ROOT / "docs" / "schedules.md").read_text()
    for entry in gallery.ENTRIES:
        assert f"### {entry.name}\n" in page
        assert f"(img/{entry.name}.png)" in page and entry.expression in page and entry.description in page
        data = (ROOT / "docs" / "img" / f"{entry.name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert 2_000 < len(data) < 60_000, (entry.name, len(data))
