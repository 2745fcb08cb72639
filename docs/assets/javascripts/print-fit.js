// On paper a wide equation cannot scroll sideways. Just before printing, each displayed formula
// records its natural width in ems; print.css then sets its size so that it fits its column
// (never larger than on screen), whatever paper and margins the reader chooses.
// Blocks off screen are not laid out (content-visibility: auto in equations.css), and a formula in
// one can measure 0 wide: the class "print-fit" lays every block out before the measurement.
addEventListener("beforeprint", () => {
  document.documentElement.classList.add("print-fit");
  for (const math of document.querySelectorAll(".md-typeset .katex-display > .katex")) {
    const em = parseFloat(getComputedStyle(math).fontSize);
    const width = math.scrollWidth / em;
    if (width > 0) math.style.setProperty("--natural-width", width.toFixed(3));
    else math.style.removeProperty("--natural-width");
  }
});
addEventListener("afterprint", () => document.documentElement.classList.remove("print-fit"));
