// Keyboard shortcuts for the review desk. Elements opt in with data-key="x": a link is
// followed, a button clicked, a field focused. Lists of rows (the queue, the near-duplicates)
// are walked with j/k (or the arrows) and act on the focused row. "?" shows the help dialog.
(function () {
  "use strict";

  const TYPING = "input, textarea, select, [contenteditable]";

  function visible(element) {
    return element && element.offsetParent !== null && !element.disabled;
  }

  function act(element) {
    if (!visible(element)) return false;
    if (element.matches("a[href]")) {
      window.location.assign(element.href);
    } else if (element.matches("input, textarea, select")) {
      element.focus();
    } else {
      element.click();
    }
    return true;
  }

  // The rows j/k move through: the queue's claims, or the claim page's near-duplicates.
  function rows() {
    return Array.from(document.querySelectorAll("[data-row]")).filter(visible);
  }

  function focusedRow() {
    return document.querySelector("[data-row].focused");
  }

  function moveFocus(step) {
    const all = rows();
    if (!all.length) return false;
    const current = all.indexOf(focusedRow());
    const next = all[Math.min(all.length - 1, Math.max(0, current + step))];
    all.forEach((row) => row.classList.toggle("focused", row === next));
    next.setAttribute("tabindex", "-1");
    next.focus({ preventScroll: true });
    next.scrollIntoView({ block: "nearest" });
    return true;
  }

  // A key acting on the focused row: its element with data-row-key="x".
  function actOnRow(key) {
    const row = focusedRow();
    const target = row && row.querySelector(`[data-row-key="${CSS.escape(key)}"]`);
    return target ? act(target) : false;
  }

  function toggleHelp() {
    const help = document.getElementById("shortcuts");
    if (!help) return false;
    if (help.open) help.close();
    else help.showModal();
    return true;
  }

  function handle(event) {
    const typing = event.target.closest && event.target.closest(TYPING);
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      const which = event.shiftKey ? "save-next" : "save";
      return act(document.querySelector(`[data-key="${which}"]`));
    }
    if (event.key === "Escape" && typing) {
      event.target.blur();
      return true;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return false;
    switch (event.key) {
      case "?":
        return toggleHelp();
      case "j":
      case "ArrowDown":
        return rows().length ? moveFocus(1) : false;
      case "k":
      case "ArrowUp":
        return rows().length ? moveFocus(-1) : false;
      case "Enter":
        return actOnRow("o");
      default:
        if (actOnRow(event.key)) return true;
        return act(document.querySelector(`[data-key="${CSS.escape(event.key)}"]`));
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    if (handle(event)) event.preventDefault();
  });

  // The help dialog's close button.
  document.addEventListener("click", (event) => {
    const close = event.target.closest("[data-close-dialog]");
    if (close) close.closest("dialog").close();
  });
})();
