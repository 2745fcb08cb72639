/* Equation references {eq:<id>}: hovering or focusing one shows the card the page holds for its id
   (derivations/site/equations.py), right after the reference in the document, so that Tab reaches
   the card's copy buttons; Escape or leaving both hides it. Without this script a reference is a
   plain link and the cards stay hidden. The copy buttons are Material's (data-clipboard-text). */
(() => {
  let open = null;  // {ref, card} on show
  let timer = 0;
  let dismissed = null;  // the reference whose card Escape hid: focusing it again does not reopen it

  const referenceOf = (node) => node instanceof Element ? node.closest("a.eq-ref[data-eq-card]") : null;
  const inside = (node) => open && node instanceof Node && (open.ref.contains(node) || open.card.contains(node));

  function place() {
    if (!open) return;
    const { ref, card } = open;
    const r = ref.getBoundingClientRect(), width = card.offsetWidth, height = card.offsetHeight;
    const left = Math.max(8, Math.min(r.left, document.documentElement.clientWidth - width - 8));
    const below = r.bottom + 6, above = r.top - height - 6;
    card.style.left = `${left}px`;
    card.style.top = `${below + height > window.innerHeight && above > 0 ? above : below}px`;
  }

  function show(ref) {
    clearTimeout(timer);
    const card = document.getElementById(ref.dataset.eqCard);
    if (!card || (open && open.ref === ref)) return;
    hide();
    if (ref.nextElementSibling !== card) ref.after(card);  // Tab from the reference reaches the buttons
    const link = card.querySelector(".eq-card-link");
    if (link && !link.dataset.clipboardText) link.dataset.clipboardText = ref.href;
    card.hidden = false;
    if (card.showPopover) card.showPopover();
    open = { ref, card };
    place();
  }

  function hide() {
    clearTimeout(timer);
    if (!open) return;
    const { card } = open;
    if (card.hidePopover && card.matches(":popover-open")) card.hidePopover();
    card.hidden = true;
    open = null;
  }

  const later = () => { clearTimeout(timer); timer = setTimeout(hide, 300); };

  document.addEventListener("mouseover", (event) => {
    const ref = referenceOf(event.target);
    dismissed = null;
    if (ref) show(ref);
    else if (inside(event.target)) clearTimeout(timer);
  });
  document.addEventListener("mouseout", (event) => {
    if (open && inside(event.target) && !inside(event.relatedTarget)
        && !open.ref.contains(document.activeElement) && !open.card.contains(document.activeElement)) later();
  });
  document.addEventListener("focusin", (event) => {
    const ref = referenceOf(event.target);
    if (ref && ref !== dismissed) show(ref);
    else if (inside(event.target)) clearTimeout(timer);  // e.g. back on a copy button after copying
    else if (open) later();
    if (ref !== dismissed) dismissed = null;
  });
  document.addEventListener("focusout", (event) => {
    if (open && !inside(event.relatedTarget)) later();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !open) return;
    const { ref, card } = open;
    const within = card.contains(document.activeElement);
    dismissed = ref;
    hide();
    if (within) ref.focus();
  });
  window.addEventListener("scroll", place, { passive: true, capture: true });
  window.addEventListener("resize", place, { passive: true });
})();
