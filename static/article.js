// Article page: turn a text selection into body offsets for "add a claim" and "split".
(function () {
  const body = document.getElementById("article-body");
  if (!body) return;

  // Offset in the article body of a point inside one of its segments.
  function offsetOf(node, offset) {
    let el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    while (el && el !== body && !el.dataset.start) el = el.parentElement;
    if (!el || el === body) return null;
    return Number(el.dataset.start) + offset;
  }

  function onSelection() {
    const sel = window.getSelection();
    if (!sel.rangeCount) return;
    const range = sel.getRangeAt(0);
    if (!body.contains(range.startContainer) || !body.contains(range.endContainer)) return;
    const start = offsetOf(range.startContainer, range.startOffset);
    const end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null) return;
    const form = document.getElementById("add-claim");
    if (form) {
      form.elements.start.value = start;
      form.elements.end.value = end;
      document.getElementById("add-claim-button").disabled = end <= start;
      // The sentences come translated from the page (data-selected, data-empty).
      const hint = document.getElementById("selection-hint");
      hint.textContent = end > start
        ? hint.dataset.selected.replace("{start}", start).replace("{end}", end)
        : hint.dataset.empty;
    }
    // A caret inside a claim proposes that point for splitting it.
    document.querySelectorAll(".split-form").forEach((f) => {
      if (start > Number(f.dataset.start) && start < Number(f.dataset.end)) f.elements.at.value = start;
    });
  }

  document.addEventListener("selectionchange", onSelection);
  document.querySelectorAll("form[data-confirm]").forEach((f) =>
    f.addEventListener("submit", (e) => { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); })
  );
})();
