"""The Chinese edition: complete, with the same equations and anchors, and consistent terms."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from derivations import cache
from derivations.claims import CLAIMS
from derivations.translations import ZH

DOCS = Path(__file__).resolve().parents[1] / "docs"
ENGLISH = sorted(p for p in DOCS.glob("*.md") if len(p.suffixes) == 1)
MATH = re.compile(r"\$[^$]*\$")
BANNED = {
    "梯度截断": "梯度裁剪 (clipping; 截断 means truncation)",
    "雅克比": "雅可比",
    "反向传播通过时间": "时间反向传播",
    "爆炸梯度": "梯度爆炸",
    "消失梯度": "梯度消失",
}


def chinese(page: Path) -> Path:
    return page.with_suffix(".zh.md")


def markers(path: Path) -> list[str]:
    """The equation markers of a page, without the language option."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [re.sub(r" lang=\w+", "", line.strip()).replace(".zh.md", ".md") for line in lines if line.startswith("::: ")]


@pytest.mark.parametrize("page", ENGLISH, ids=lambda p: p.name)
def test_every_english_page_has_a_chinese_counterpart(page):
    assert chinese(page).exists(), f"{page.name} has no Chinese counterpart {chinese(page).name}"


@pytest.mark.parametrize("page", ENGLISH, ids=lambda p: p.name)
def test_chinese_page_places_the_same_equations_in_chinese(page):
    assert markers(chinese(page)) == markers(page)
    for line in chinese(page).read_text(encoding="utf-8").splitlines():
        if line.startswith("::: eq ") or line.startswith("::: claims"):
            assert line.rstrip().endswith("lang=zh"), f"{chinese(page).name}: {line!r} lacks lang=zh"


@pytest.mark.parametrize("page", ENGLISH, ids=lambda p: p.name)
def test_built_pages_have_identical_equation_anchors(built_site, page):
    url = "" if page.stem == "index" else f"{page.stem}/"
    english = (built_site / url / "index.html").read_text(encoding="utf-8")
    zh = (built_site / "zh" / url / "index.html").read_text(encoding="utf-8")
    anchors = re.compile(r'id="(eq-[^"]+)"')
    assert anchors.findall(english) == anchors.findall(zh)
    assert '<html lang="zh"' in zh


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.zh.md")), ids=lambda p: p.name)
def test_chinese_terms_follow_the_glossary(page):
    text = page.read_text(encoding="utf-8")
    if page.stem.startswith("glossary"):
        return  # the glossary names the wrong terms in order to warn against them
    for wrong, right in BANNED.items():
        assert wrong not in text.replace("截断时间反向传播", ""), f"{page.name} uses {wrong}; the glossary says {right}"


def texts_shown_in_chinese() -> list[str]:
    texts = [t for r in cache.records().values() for t in [r["title"], *(s["text"] for s in r["steps"])]]
    benchmarks = json.loads((DOCS.parent / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    return (texts + [getattr(c, f) for c in CLAIMS for f in ("title", "notes", "verdict")]
            + [figure["name"] for figure in benchmarks["figures"]])


def test_every_derivation_and_claim_text_has_a_chinese_translation():
    missing = [t for t in texts_shown_in_chinese() if t not in ZH]
    assert missing == []


def test_translations_keep_the_math_and_terms():
    for english, zh in ZH.items():
        assert MATH.findall(english) == MATH.findall(zh), english
        assert "梯度截断" not in zh, english


def test_no_stale_translations():
    assert set(ZH) <= set(texts_shown_in_chinese()), json.dumps(sorted(set(ZH) - set(texts_shown_in_chinese())),
                                                                 ensure_ascii=False)


def test_an_edited_english_text_fails_the_chinese_build_naming_the_equation(tiny_site, project_copy):
    project = project_copy("example.py", '"Its decimal exponent is $-200 \\\\log_{10} 2$."',
                           '"Its exponent in base ten is $-200 \\\\log_{10} 2$."')
    done = tiny_site({"index.md": "# Page\n\n::: eq example.sigmoid-100-steps steps lang=zh\n"}, project=project)
    assert done.returncode != 0
    assert "equation 'example.sigmoid-100-steps'" in done.stderr and "is missing in" in done.stderr
    assert "derivations/locale/zh/LC_MESSAGES/derivations.po" in done.stderr


def test_an_unknown_language_is_named(tiny_site):
    done = tiny_site({"index.md": "# Page\n\n::: eq rnn.step-jacobian steps lang=fr\n"})
    assert done.returncode != 0 and "unknown option" in done.stderr and "lang=fr" in done.stderr


@pytest.mark.parametrize("term", ["雅可比矩阵", "梯度裁剪", "时间反向传播", "遗忘门", "梯度消失"])
def test_search_index_keeps_domain_terms_whole(built_site, term):
    index = json.loads((built_site / "zh" / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = "\u200b".join(doc["text"] for doc in index["docs"])
    tokens = set(re.split(r"[\s\u200b\-]+", text))
    assert term in tokens, f"jieba split {term}; add it to derivations/site/jieba-user.txt"


def test_the_catalogue_marks_an_edited_english_text_fuzzy_keeping_its_old_translation(tmp_path, monkeypatch):
    from derivations import translations

    catalogue = tmp_path / "derivations.po"
    catalogue.write_bytes(translations.CATALOGUE.read_bytes())
    monkeypatch.setattr(translations, "CATALOGUE", catalogue)
    texts = translations.source_texts()
    old = "Its decimal exponent is $-200 \\log_{10} 2$."
    translation = ZH[old]
    edited = {("Its exponent in base ten is $-200 \\log_{10} 2$." if text == old else text): where
              for text, where in texts.items()}
    monkeypatch.setattr(translations, "source_texts", lambda: edited)
    untranslated, fuzzy = translations.update()
    assert untranslated == [] and fuzzy == ["Its exponent in base ten is $-200 \\log_{10} 2$."]
    message = translations.catalogue().get(fuzzy[0])
    assert message.string == translation and message.fuzzy
    assert '#| msgid "Its decimal exponent is' in catalogue.read_text(encoding="utf-8"), "the old English, for translators"
    with pytest.raises(translations.TranslationError, match="is outdated"):
        translations.translate(fuzzy[0], "zh", "test")
    assert old not in translations.ZH and fuzzy[0] not in translations.ZH
