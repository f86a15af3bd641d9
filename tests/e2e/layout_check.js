// Layout problems on the screen as it is, for the end-to-end suite's screenshots: a page wider
// than the window, a control or text outside the box it belongs to, text cut off by its own box,
// controls on top of one another. Returns a list of problems in words (empty: none).
// Called through WebDriver's execute_script; `arguments[0]` is the screen's name.
(function () {
  const name = arguments[0];
  const problems = [];
  const doc = document.documentElement;
  const describe = (e) => {
    const id = e.id ? `#${e.id}` : "";
    const cls = typeof e.className === "string" && e.className ? `.${e.className.trim().split(/\s+/).join(".")}` : "";
    const text = (e.textContent || e.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return `<${e.tagName.toLowerCase()}${id}${cls}> "${text}"`;
  };
  const visible = (e) => {
    if (e.closest(".sr-only, [hidden], template")) return false;
    const s = getComputedStyle(e);
    if (s.display === "none" || s.visibility === "hidden" || Number(s.opacity) === 0) return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  if (doc.scrollWidth > doc.clientWidth + 1) {
    // the deepest visible elements reaching past the window's right edge: what to fix
    const reaching = Array.from(document.querySelectorAll("body *")).filter((e) => e.getBoundingClientRect().right > doc.clientWidth + 1);
    // visible ones first; else what is out of sight (a screen reader's text, a hidden part)
    // else the boxes whose own content (a long word, say) spills past them
    const spilling = Array.from(document.querySelectorAll("body *")).filter((e) => visible(e) && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible");
    const past = reaching.some(visible) ? reaching.filter(visible) : reaching.length ? reaching : spilling;
    const deepest = past.filter((e) => !past.some((o) => o !== e && e.contains(o))).slice(0, 3).map(describe);
    problems.push(`${name}: the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window (horizontal scrolling): ${deepest.join(", ") || "no element reaches past it"}`);
  }
  // The boxes things belong in: cards, sections, fields, list rows, notices, dialogs.
  const CONTAINERS = ".card, .field, fieldset, .notice, dialog, li, section, form, header, main, #app";
  const CONTENT = "button, input, select, textarea, label, h1, h2, h3, h4, p, a, .snapshot-time, .snapshot-size, .snapshot-added, .history-text, .history-time";
  const items = Array.from(document.querySelectorAll(CONTENT)).filter(visible);
  for (const e of items) {
    const r = e.getBoundingClientRect();
    const box = e.parentElement && e.parentElement.closest(CONTAINERS);
    if (box && visible(box)) {
      const b = box.getBoundingClientRect();
      const out = Math.max(b.left - r.left, r.right - b.right, b.top - r.top, r.bottom - b.bottom);
      if (out > 1.5) {
        problems.push(`${name}: ${describe(e)} sticks out of ${describe(box)} by ${Math.round(out)}px`);
      }
    }
    // Text cut off inside its own box (overflow hidden or an ellipsis).
    const s = getComputedStyle(e);
    if (s.overflowX !== "visible" && e.scrollWidth > e.clientWidth + 1 && !["INPUT", "SELECT", "TEXTAREA"].includes(e.tagName)) {
      problems.push(`${name}: the text of ${describe(e)} is cut off (${e.scrollWidth}px in ${e.clientWidth}px)`);
    }
  }
  // Controls on top of one another (neither inside the other).
  const controls = items.filter((e) => ["BUTTON", "INPUT", "SELECT", "TEXTAREA", "A"].includes(e.tagName));
  for (let i = 0; i < controls.length; i++) {
    for (let j = i + 1; j < controls.length; j++) {
      const [a, b] = [controls[i], controls[j]];
      if (a.contains(b) || b.contains(a)) continue;
      const [ra, rb] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 2 && h > 2) problems.push(`${name}: ${describe(a)} and ${describe(b)} overlap (${Math.round(w)}×${Math.round(h)}px)`);
    }
  }
  return problems;
})
