// A filter with many options (every customer) arrives with only the chosen one. The others load once,
// when the person reaches for the filters: the pointer over them, a focus in them, or a touch.
(function () {
  "use strict";

  for (const select of document.querySelectorAll("select[data-options-url]")) {
    const form = select.closest("form");
    if (!form) {
      continue;
    }
    let loaded = false;
    const load = () => {
      if (loaded) {
        return;
      }
      loaded = true;
      fetch(select.dataset.optionsUrl, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
        .then((html) => {
          const chosen = select.value;
          select.innerHTML = html;
          select.value = chosen;
        })
        .catch(() => {
          loaded = false;
        });
    };
    for (const type of ["pointerenter", "focusin", "touchstart"]) {
      form.addEventListener(type, load, { passive: true });
    }
  }
})();
