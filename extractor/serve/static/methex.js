// Keyboard review on the paper page: j/k move between values (a field without a value is one
// stop), a accepts, x rejects, c opens the correction form. Keys typed into a form are ignored.
(function () {
  "use strict";
  let items = [];
  let cur = -1;

  function focus(i) {
    if (!items.length) return;
    cur = Math.max(0, Math.min(items.length - 1, i));
    items.forEach((el, j) => el.classList.toggle("current", j === cur));
    items[cur].focus({ preventScroll: true });
    items[cur].scrollIntoView({ block: "center" });
  }

  function click(selector) {
    const b = cur >= 0 && items[cur].querySelector(selector);
    if (b) b.click();
  }

  // #f-FIELD (a link, or the page we come back to after a review) selects that field.
  function focusHash() {
    const key = decodeURIComponent(location.hash.replace(/^#f-/, ""));
    const at = items.findIndex((el) => el.dataset.field === key);
    if (at >= 0) focus(at);
  }

  document.addEventListener("DOMContentLoaded", () => {
    items = Array.from(document.querySelectorAll(".item"));
    focusHash();
  });
  window.addEventListener("hashchange", focusHash);

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest && e.target.closest("input, textarea, select")) return;
    if (e.key === "j") focus(cur + 1);
    else if (e.key === "k") focus(cur - 1);
    else if (e.key === "a") click("button.accept");
    else if (e.key === "x") click("button.reject");
    else if (e.key === "c" && cur >= 0) {
      const d = items[cur].querySelector("details.correct");
      if (!d) return;
      d.open = true;
      e.preventDefault();        // the c must not land in the field it focuses
      d.querySelector("input[name=new_value]").focus();
    }
  });
})();
