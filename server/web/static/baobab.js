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
  // A size as people read it: bytes below 1 KB, then KB, MB, GB (of 1,024), one decimal below
  // 10 and none above, in the page's language ("1.5 MB", "1,5 Mo"): never "0.0 MB" for 2 KB.
  const humanSize = (bytes, units) => {
    const names = units.split(" ");
    let amount = bytes;
    let unit = 0;
    while (amount >= 1024 && unit < names.length - 1) {
      amount /= 1024;
      unit += 1;
    }
    const digits = unit > 0 && amount < 10 ? 1 : 0;
    const number = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount);
    return number + "\u00a0" + names[unit];
  };
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
        const reader = response.body.getReader();
        const chunks = [];
        let received = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          received += value.length;
          status.textContent = status.dataset.received.replace("{size}", humanSize(received, status.dataset.units));
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
        status.textContent = status.dataset.done.replace("{size}", humanSize(received, status.dataset.units));
      } catch (error) {
        bar.hidden = true;
        status.textContent = error.message;
      }
    });
  }
});
