"""The works the site cites: one record each, from which ``references.bib`` and the pages'
bibliographies are both generated."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Work:
    """One cited work, with the BibTeX fields it needs."""

    key: str
    kind: str
    fields: dict

    def bibtex(self) -> str:
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in self.fields.items())
        return f"@{self.kind}{{{self.key},\n{body}\n}}\n"

    def short(self) -> str:
        """Authors and year as a text cites them: "Pascanu, Mikolov and Bengio (2013)", "He et al. (2016)"."""
        names = [author.split()[-1] for author in self.fields["author"].split(" and ")]
        who = (f"{names[0]} et al." if len(names) > 3 else names[0] if len(names) == 1
               else f"{', '.join(names[:-1])} and {names[-1]}")
        return f"{who} ({self.fields['year']})"

    def address(self) -> str | None:
        """Where the work can be found: its DOI or arXiv address, if it has one."""
        if "doi" in self.fields:
            return f"https://doi.org/{self.fields['doi']}"
        if self.fields.get("archiveprefix") == "arXiv":
            return f"https://arxiv.org/abs/{self.fields['eprint']}"
        return None

    def text(self) -> str:
        """A one-line reference for a page's bibliography (Markdown)."""
        f = self.fields
        venue = f.get("journal") or f.get("booktitle") or f.get("publisher", "")
        where = ", ".join(part for part in (venue, f.get("volume"), f.get("pages")) if part)
        return f"{f['author'].replace(' and ', ', ')} ({f['year']}). {f['title']}. *{where.replace('--', '–')}*."


WORKS = {w.key: w for w in (
    Work("bengio1994", "article", {
        "author": "Yoshua Bengio and Patrice Simard and Paolo Frasconi",
        "title": "Learning long-term dependencies with gradient descent is difficult",
        "journal": "IEEE Transactions on Neural Networks", "volume": "5", "number": "2",
        "pages": "157--166", "year": "1994", "doi": "10.1109/72.279181"}),
    Work("williams1990", "article", {
        "author": "Ronald J. Williams and Jing Peng",
        "title": "An efficient gradient-based algorithm for on-line training of recurrent network trajectories",
        "journal": "Neural Computation", "volume": "2", "number": "4", "pages": "490--501", "year": "1990",
        "doi": "10.1162/neco.1990.2.4.490"}),
    Work("hochreiter1997", "article", {
        "author": "Sepp Hochreiter and Jürgen Schmidhuber", "title": "Long short-term memory",
        "journal": "Neural Computation", "volume": "9", "number": "8", "pages": "1735--1780", "year": "1997",
        "doi": "10.1162/neco.1997.9.8.1735"}),
    Work("gers2000", "article", {
        "author": "Felix A. Gers and Jürgen Schmidhuber and Fred Cummins",
        "title": "Learning to forget: continual prediction with LSTM", "journal": "Neural Computation",
        "volume": "12", "number": "10", "pages": "2451--2471", "year": "2000",
        "doi": "10.1162/089976600300015015"}),
    Work("glorot2010", "inproceedings", {
        "author": "Xavier Glorot and Yoshua Bengio",
        "title": "Understanding the difficulty of training deep feedforward neural networks",
        "booktitle": "Proceedings of the 13th International Conference on Artificial Intelligence and Statistics",
        "pages": "249--256", "year": "2010"}),
    Work("pascanu2013", "inproceedings", {
        "author": "Razvan Pascanu and Tomas Mikolov and Yoshua Bengio",
        "title": "On the difficulty of training recurrent neural networks",
        "booktitle": "Proceedings of the 30th International Conference on Machine Learning",
        "pages": "1310--1318", "year": "2013"}),
    Work("cho2014", "inproceedings", {
        "author": "Kyunghyun Cho and Bart van Merriënboer and Caglar Gulcehre and Dzmitry Bahdanau and "
                  "Fethi Bougares and Holger Schwenk and Yoshua Bengio",
        "title": "Learning phrase representations using RNN encoder-decoder for statistical machine translation",
        "booktitle": "Proceedings of the 2014 Conference on Empirical Methods in Natural Language Processing",
        "pages": "1724--1734", "year": "2014", "doi": "10.3115/v1/D14-1179"}),
    Work("chung2014", "misc", {
        "author": "Junyoung Chung and Caglar Gulcehre and KyungHyun Cho and Yoshua Bengio",
        "title": "Empirical evaluation of gated recurrent neural networks on sequence modeling",
        "publisher": "arXiv:1412.3555", "year": "2014", "eprint": "1412.3555", "archiveprefix": "arXiv"}),
    Work("saxe2014", "inproceedings", {
        "author": "Andrew M. Saxe and James L. McClelland and Surya Ganguli",
        "title": "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks",
        "booktitle": "International Conference on Learning Representations", "year": "2014"}),
    Work("jozefowicz2015", "inproceedings", {
        "author": "Rafal Jozefowicz and Wojciech Zaremba and Ilya Sutskever",
        "title": "An empirical exploration of recurrent network architectures",
        "booktitle": "Proceedings of the 32nd International Conference on Machine Learning",
        "pages": "2342--2350", "year": "2015"}),
    Work("le2015", "misc", {
        "author": "Quoc V. Le and Navdeep Jaitly and Geoffrey E. Hinton",
        "title": "A simple way to initialize recurrent networks of rectified linear units",
        "publisher": "arXiv:1504.00941", "year": "2015", "eprint": "1504.00941", "archiveprefix": "arXiv"}),
    Work("he2016", "inproceedings", {
        "author": "Kaiming He and Xiangyu Zhang and Shaoqing Ren and Jian Sun",
        "title": "Deep residual learning for image recognition",
        "booktitle": "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition",
        "pages": "770--778", "year": "2016", "doi": "10.1109/CVPR.2016.90"}),
    Work("arjovsky2016", "inproceedings", {
        "author": "Martin Arjovsky and Amar Shah and Yoshua Bengio",
        "title": "Unitary evolution recurrent neural networks",
        "booktitle": "Proceedings of the 33rd International Conference on Machine Learning",
        "pages": "1120--1128", "year": "2016", "eprint": "1511.06464", "archiveprefix": "arXiv"}),
    Work("vorontsov2017", "inproceedings", {
        "author": "Eugene Vorontsov and Chiheb Trabelsi and Samuel Kadoury and Chris Pal",
        "title": "On orthogonality and learning recurrent networks with long term dependencies",
        "booktitle": "Proceedings of the 34th International Conference on Machine Learning",
        "pages": "3570--3578", "year": "2017", "eprint": "1702.00071", "archiveprefix": "arXiv"}),
)}


def bibliography() -> str:
    """Every cited work as BibTeX, in the order above."""
    return "\n".join(work.bibtex() for work in WORKS.values())
