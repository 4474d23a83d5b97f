// A submission's page: keyboard shortcuts for reviewing (shown in the panel's legend), and the
// answers kept where they were after saving a review. The page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("review-form");
  const comment = document.getElementById("review-comment");
  const legend = document.getElementById("review-shortcuts");
  if (legend) legend.hidden = false;

  // Saving comes back to the same page: scroll to where the person was reading, not to the top.
  const place = "baobab-review-scroll:" + location.pathname;
  const kept = sessionStorage.getItem(place);
  if (kept !== null) {
    sessionStorage.removeItem(place);
    // Once now and once loaded: the browser may scroll to the #review anchor in between.
    const restore = () => window.scrollTo(0, Number(kept));
    restore();
    window.addEventListener("load", restore, { once: true });
  }
  if (form) {
    form.addEventListener("submit", () => sessionStorage.setItem(place, String(window.scrollY)));
  }

  const go = (id) => {
    const link = document.getElementById(id);
    if (link) window.location.assign(link.href);
  };
  const choose = (state) => {
    const radio = form && form.querySelector(`input[name="state"][value="${state}"]`);
    if (radio) {
      radio.checked = true;
      radio.focus();
    }
  };
  const save = (andNext) => {
    const next = document.getElementById("save-and-next");
    form.requestSubmit(andNext && next ? next : undefined);
  };
  const keys = {
    j: () => go("next-submission"),
    ArrowRight: () => go("next-submission"),
    k: () => go("previous-submission"),
    ArrowLeft: () => go("previous-submission"),
    a: () => choose("approved"),
    e: () => choose("hasIssues"),
    r: () => choose("rejected"),
    c: () => comment && comment.focus(),
  };
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form) {
      event.preventDefault();
      save(event.shiftKey);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // Never while typing: a comment, a search field, a menu.
    const target = event.target;
    if (target.closest("textarea, select, [contenteditable]")) return;
    if (target.matches("input") && !["radio", "checkbox"].includes(target.type)) return;
    // Arrows keep their own use (radio buttons, a table scrolled sideways) unless nothing
    // in particular has the focus.
    if (event.key.startsWith("Arrow") && !target.matches("body, main")) return;
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
});
