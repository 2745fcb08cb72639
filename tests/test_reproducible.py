"""Two builds of one commit are byte-identical: pages, sitemaps, search index, notebooks and assets."""

from __future__ import annotations

from conftest import build_real_site


def _files(site):
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in site.rglob("*") if path.is_file()}


def test_two_builds_of_one_commit_are_byte_identical(built_site, tmp_path):
    first, second = _files(built_site), _files(build_real_site(tmp_path / "site"))
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == [], f"{len(differing)} files differ between two builds, e.g. {differing[:5]}"
    assert len(first) > 100 and any(name.endswith("search_index.json") for name in first)
