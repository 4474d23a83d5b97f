// Baobab's own script: small conveniences on top of pages that work without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
  // A select marked data-autosubmit sends its form when changed (the language menu).
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  // Buttons with data-confirm ask first.
  for (const button of document.querySelectorAll("[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
  // "Select all" checkboxes for bulk review.
  for (const all of document.querySelectorAll("input[data-select-all]")) {
    all.addEventListener("change", () => {
      for (const box of document.querySelectorAll(`input[name="${all.dataset.selectAll}"]`)) {
        box.checked = all.checked;
      }
    });
  }
  // Export downloads with a progress line: the file is fetched as a stream, its size shown as it
  // arrives, then saved. The file is held in the browser's memory until then, so past
  // data-stream-limit submissions the browser downloads it itself (and shows its own progress).
  // Without JavaScript the same button is an ordinary download.
  const exportForm = document.querySelector("form[data-export]");
  if (exportForm) {
    exportForm.addEventListener("submit", async (event) => {
      const status = document.getElementById("export-status");
      if (Number(exportForm.dataset.expectedRows) > Number(exportForm.dataset.streamLimit)) {
        status.textContent = status.dataset.native;
        return;
      }
      event.preventDefault();
      const bar = document.getElementById("export-progress");
      const url = exportForm.action + "?" + new URLSearchParams(new FormData(exportForm)).toString();
      bar.hidden = false;
      bar.removeAttribute("value");
      status.textContent = status.dataset.preparing;
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) {
          const body = await response.json().catch(() => ({ message: response.statusText }));
          throw new Error(body.message || response.statusText);
        }
        const expected = Number(exportForm.dataset.expectedRows || 0);
        const reader = response.body.getReader();
        const chunks = [];
        let received = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          received += value.length;
          status.textContent = status.dataset.received.replace("{mb}", (received / 1e6).toFixed(1));
        }
        const disposition = response.headers.get("content-disposition") || "";
        const match = disposition.match(/filename="?([^";]+)"?/);
        const link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob(chunks));
        link.download = match ? match[1] : "export";
        document.body.appendChild(link);
        link.click();
        link.remove();
        bar.value = 1;
        bar.max = 1;
        status.textContent = status.dataset.done.replace("{mb}", (received / 1e6).toFixed(1)).replace("{rows}", expected);
      } catch (error) {
        bar.hidden = true;
        status.textContent = error.message;
      }
    });
  }
});
