"""The shared shape of the extensions that expand a ``::: …`` line, some of them using the pages' folder."""

from __future__ import annotations

import re
from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor


class DocsPreprocessor(Preprocessor):
    """A preprocessor that knows the folder of the site's pages."""

    def __init__(self, md, docs_dir: str):
        super().__init__(md)
        self.docs_dir = Path(docs_dir)


class MarkerPreprocessor(Preprocessor):
    """Replaces every line that :attr:`marker` matches (once stripped) by the lines :meth:`expand` gives."""

    marker: re.Pattern

    def run(self, lines):
        out = []
        for line in lines:
            match = self.marker.match(line.strip())
            out.extend(self.expand(match) if match else [line])
        return out

    def expand(self, match: re.Match) -> list[str]:
        raise NotImplementedError


class DocsExtension(Extension):
    """Registers :attr:`processor` under :attr:`name`; option ``docs_dir`` (default ``docs``)."""

    processor: type[DocsPreprocessor]
    name: str
    priority: int

    def __init__(self, **kwargs):
        self.config = {"docs_dir": ["docs", "The folder of the site's pages, relative to where the build runs."]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        md.registerExtension(self)
        md.preprocessors.register(self.processor(md, self.getConfig("docs_dir")), self.name, self.priority)
