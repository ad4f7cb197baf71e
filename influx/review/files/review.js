// influx review: keyboard shortcuts for the common path. Served as a file: the page's
// Content-Security-Policy allows no inline script.
"use strict";
(function () {
  const cards = () => Array.from(document.querySelectorAll(".card"));
  let current = -1;

  function focusCard(i) {
    const all = cards();
    if (!all.length) return;
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((c, k) => c.classList.toggle("current", k === current));
    all[current].scrollIntoView({ block: "center", behavior: "instant" });
  }

  function next() {
    const all = cards();
    if (current >= all.length - 1) {
      const more = document.querySelector('.pager a[rel="next"]');
      if (more) { window.location = more.href; return; }
    }
    focusCard(current + 1);
  }

  function accept(card) {
    if (!card) return;
    const merge = card.querySelector("button.accept.primary");
    if (merge) { merge.click(); return; }
    card.classList.add("accepted");  // a video kept as it is: nothing to store
    next();
  }

  document.addEventListener("click", (e) => {
    const button = e.target.closest("button.accept");
    if (button && !button.classList.contains("primary")) {
      const all = cards();
      focusCard(all.indexOf(button.closest(".card")));
      accept(all[current]);
    }
  });

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    const card = cards()[current];
    const focusIn = (selector) => {
      const el = (card || document).querySelector(selector);
      if (el) { e.preventDefault(); el.focus(); el.select && el.select(); }
    };
    switch (e.key) {
      case "j": case "n": next(); break;
      case "k": case "p": focusCard(current - 1); break;
      case "a": accept(card); break;
      case "m": focusIn("input.to"); break;
      case "r": focusIn("input.name"); break;
      case "u": {
        const undo = document.querySelector("button.undo-last");
        if (undo) undo.click();
        break;
      }
      default: return;
    }
  });

  if (cards().length) focusCard(0);
})();
