"""Command line: ``python -m derivations list | latex ID | check [ID ...] | tex | references | bib ID | cite ID [--format F] [--lang L] | pack ID... [--lang L] [--steps] [--format F] | published | assets | new ID | exercise [ID --answer A]``."""

from __future__ import annotations

import argparse
import sys

from . import cache, registry
from .crosscheck import CHECKS
from .derivation import run
from .errors import DerivationError, UnknownIdError


def _list(_args) -> int:
    for entry in registry.entries():
        print(f"{entry.id}\t{entry.title}")
    return 0


def _latex(args) -> int:
    print(cache.record(args.id)["equation"])
    return 0


def _check(args) -> int:
    entries = [registry.lookup(i) for i in args.ids] if args.ids else registry.entries()
    failed = 0
    try:
        cache.check_uses()
    except DerivationError as error:
        failed += 1
        print(f"FAILED uses=: {error}", file=sys.stderr)
    for entry in entries:
        try:
            outcome = run(entry)
            numeric = CHECKS.get(entry.id)
            if numeric:
                numeric()
        except DerivationError as error:
            failed += 1
            print(f"FAILED {entry.id}: {error}", file=sys.stderr)
        else:
            extra = ", numeric cross-check passed" if numeric else ""
            kinds = ", ".join(outcome["proof_kinds"]) or "a definition"
            print(f"ok     {entry.id} ({len(outcome['proofs'])} proofs: {kinds}{extra})")
    if not args.ids:  # every exercise's reference answer is what its derivation proved
        from . import exercises

        for exercise in exercises.exercises().values():
            try:
                exercises.verify(exercise)
            except DerivationError as error:
                failed += 1
                print(f"FAILED exercise {exercise.id}: {error}", file=sys.stderr)
            else:
                print(f"ok     exercise {exercise.id} (its answer is what {exercise.derivation} proved)")
    return 1 if failed else 0


def _export(args) -> int:
    """Re-derive the given ids and write their cache entries, records or errors (used by the cache,
    out of process); only the topic modules of those ids are imported."""
    from . import dependencies

    places = dependencies.placements()
    for eid in args.ids:
        if eid not in places:
            raise UnknownIdError(eid, list(places))
        topic = places[eid].topic
        try:
            registry.load((topic,))
        except Exception as error:  # noqa: BLE001 - any error on import is this id's error
            cache.write(eid, cache.key(eid), error=f"{eid}: derivations/{topic}.py fails to import: "
                                                   f"{type(error).__name__}: {error}")
            continue
        try:
            cache.write(eid, cache.key(eid), record=run(registry.lookup(eid, topic)))
        except DerivationError as error:
            cache.write(eid, cache.key(eid), error=str(error))
    return 0


def _tex(args) -> int:
    from .export import tex

    _write(args.output, tex())
    return 0


def _references(args) -> int:
    from .references import bibliography

    _write(args.output, bibliography())
    return 0


def _bib(args) -> int:
    from .site.citation import page_bibtex

    print(page_bibtex(args.id))
    return 0


def _cite(args) -> int:
    from .site.citation import cite

    print(cite(args.id, args.format, args.lang))
    return 0


def _pack(args) -> int:
    from pathlib import Path

    from .pack import pack

    ids = [entry.id for entry in registry.entries()] if args.all else args.ids
    made = pack(ids, args.lang, args.steps, args.format)
    output = args.output or (f"course-pack-{args.lang}.pdf" if args.format == "pdf" else None)
    if output is None:
        sys.stdout.write(made)
        return 0
    path = Path(output)
    partial = path.with_name(path.name + ".partial")  # nothing half-written is left under the name asked for
    partial.write_bytes(made) if isinstance(made, bytes) else partial.write_text(made, encoding="utf-8")
    partial.replace(path)
    print(f"wrote {path}")
    return 0


def _translations(_args) -> int:
    from .translations import CATALOGUE, update

    untranslated, fuzzy = update()
    print(f"updated {CATALOGUE}: {len(untranslated)} untranslated, {len(fuzzy)} outdated (fuzzy)")
    for text in untranslated:
        print(f"  untranslated: {text}")
    for text in fuzzy:
        print(f"  fuzzy:        {text}")
    return 1 if untranslated or fuzzy else 0


def _published(_args) -> int:
    from pathlib import Path

    from . import published

    added = published.update(Path("docs"))
    print(f"published {len(added)} new id(s): {', '.join(added) or 'none'}")
    return 0


def _write(path: str, text: str) -> None:
    from pathlib import Path

    Path(path).write_text(text, encoding="utf-8")
    print(f"wrote {path}")


def _new(args) -> int:
    from .scaffold import create

    print(create(args.id, args.title, args.definition))
    return 0


def _assets(_args) -> int:
    from .site import exercises, katex

    print(f"KaTeX {katex.install_assets()} CSS and fonts in {katex.ASSETS_DIR}")
    print(f"mathjs {exercises.install_assets()} (the exercises' answer checker) in {exercises.ASSETS_DIR}")
    return 0


def _exercise(args) -> int:
    from . import exercises

    if args.id is None:
        for exercise in exercises.exercises().values():
            print(f"{exercise.id}\t{exercise.page}\t{exercise.derivation}")
        return 0
    exercise = exercises.lookup(args.id)
    if args.answer is None:
        print(exercises.help_text(exercise, args.lang))
        return 0
    exercises.verify(exercise)  # the reference answer is what its derivation proved, or exit 2 naming both
    verdict = exercises.decide(exercise, args.answer, args.lang)
    print(verdict.message)
    return 0 if verdict.correct else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m derivations", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every equation id and its title").set_defaults(run=_list)
    latex = commands.add_parser("latex", help="the LaTeX of one equation, ready to paste")
    latex.add_argument("id")
    latex.set_defaults(run=_latex)
    check = commands.add_parser("check", help="re-derive, prove and cross-check numerically (all, or the given ids)")
    check.add_argument("ids", nargs="*", metavar="ID")
    check.set_defaults(run=_check)
    export = commands.add_parser("export", help="re-derive equations into the cache")
    export.add_argument("ids", nargs="+", metavar="ID")
    export.set_defaults(run=_export)
    tex = commands.add_parser("tex", help="write every equation, labelled by id, as one LaTeX document")
    tex.add_argument("--output", default="docs/downloads/derivations.tex")
    tex.set_defaults(run=_tex)
    references = commands.add_parser("references", help="write the bibliography of the works the site cites")
    references.add_argument("--output", default="docs/downloads/references.bib")
    references.set_defaults(run=_references)
    bib = commands.add_parser("bib", help="BibTeX for the page that holds an equation")
    bib.add_argument("id")
    bib.set_defaults(run=_bib)
    cite = commands.add_parser("cite", help="cite one equation: its permalink, BibTeX (plain styles), biblatex "
                               "or a Markdown link, with the hash of the verified result")
    cite.add_argument("id")
    cite.add_argument("--format", choices=("bibtex", "biblatex", "md", "url"), default="bibtex")
    cite.add_argument("--lang", choices=("en", "zh"), default="en")
    cite.set_defaults(run=_cite)
    pack = commands.add_parser("pack", help="a course pack: the given equations and all they use, in dependency "
                               "order, numbered as on the site, with links and the works they cite")
    pack.add_argument("ids", nargs="*", metavar="ID")
    pack.add_argument("--all", action="store_true", help="every equation")
    pack.add_argument("--lang", choices=("en", "zh"), default="en")
    pack.add_argument("--steps", action="store_true", help="with each derivation's steps")
    pack.add_argument("--format", choices=("pdf", "tex", "typ", "md"), default="pdf",
                      help="PDF (typeset by Typst), or its LaTeX, Typst or Markdown source (default: pdf)")
    pack.add_argument("--output", "-o", help="where to write (default: course-pack-LANG.pdf; other formats: stdout)")
    pack.set_defaults(run=_pack)
    commands.add_parser("translations", help="update the Chinese catalogue (gettext .po) from the English texts; "
                        "exit 1 while any text is untranslated or fuzzy").set_defaults(run=_translations)
    commands.add_parser("published", help="record newly placed ids in derivations/published.json").set_defaults(
        run=_published)
    commands.add_parser("assets", help="install KaTeX and copy its CSS and fonts into docs/").set_defaults(run=_assets)
    new = commands.add_parser("new", help="create a derivation's skeleton, its test and every registration")
    new.add_argument("id", metavar="ID", help="topic.name, e.g. rnn.input-jacobian")
    new.add_argument("--title", help="the title shown on the page (default: from the id)")
    new.add_argument("--definition", action="store_true", help="a definition (d.define) instead of a result")
    new.set_defaults(run=_new)
    exercise = commands.add_parser("exercise", help="check an answer to one of the chapters' exercises (exit 0 "
                                   "right, 1 wrong or unreadable); without an id, list the exercises")
    exercise.add_argument("id", nargs="?", metavar="ID")
    exercise.add_argument("--answer", help="the answer, e.g. \"1 - tanh(x)^2\" (simple LaTeX is read too)")
    exercise.add_argument("--lang", choices=("en", "zh"), default="en")
    exercise.set_defaults(run=_exercise)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except DerivationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
