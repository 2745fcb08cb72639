// On paper a wide equation cannot scroll sideways. Just before printing, each displayed formula
// records its natural width in ems; print.css then sets its size so that it fits its column
// (never larger than on screen), whatever paper and margins the reader chooses.
addEventListener("beforeprint", () => {
  for (const math of document.querySelectorAll(".md-typeset .katex-display > .katex")) {
    const em = parseFloat(getComputedStyle(math).fontSize);
    math.style.setProperty("--natural-width", (math.scrollWidth / em).toFixed(3));
  }
});
