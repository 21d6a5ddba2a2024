// The weekly timesheet: live totals, arrow keys between rows, notes shown per row, rows added in place.
(() => {
  const form = document.getElementById("timesheet-form");
  if (!form) {
    return;
  }
  const body = document.getElementById("sheet-rows");
  const rowCount = document.getElementById("row-count");
  const hoursFormat = new Intl.NumberFormat("nb-NO", { maximumFractionDigits: 2 });
  let dirty = false;

  // Hours as typed: 7,5 or 7.5 or 7:30; NaN when it is no number.
  function parseHours(text) {
    const value = (text || "").trim().replace(/\s/g, "");
    if (!value) {
      return 0;
    }
    const clock = value.match(/^(\d*):(\d{2})$/);
    if (clock) {
      return Number(clock[1] || 0) + Number(clock[2]) / 60;
    }
    if (!/^-?\d+([.,]\d+)?$/.test(value)) {
      return NaN;
    }
    return Number(value.replace(",", "."));
  }

  function show(hours) {
    return hours ? `${hoursFormat.format(hours)}\u00a0t` : "–";
  }

  function recount() {
    const days = [0, 0, 0, 0, 0, 0, 0];
    body.querySelectorAll("tr.sheet-row").forEach((row) => {
      let total = 0;
      row.querySelectorAll("input.hours").forEach((input) => {
        const hours = parseHours(input.value);
        if (!Number.isNaN(hours)) {
          total += hours;
          days[Number(input.dataset.day)] += hours;
        }
      });
      row.querySelector(".row-total").textContent = total ? show(total) : "";
    });
    form.querySelectorAll("td.locked-hours").forEach((cell) => {
      const hours = parseHours(cell.dataset.hours || "0");
      days[Number(cell.dataset.day)] += Number.isNaN(hours) ? 0 : hours;
    });
    let week = 0;
    form.querySelectorAll("td.day-total").forEach((cell) => {
      const hours = days[Number(cell.dataset.day)];
      week += hours;
      cell.textContent = show(hours);
      cell.classList.toggle("text-danger", hours > 24);
    });
    form.querySelector(".week-total").textContent = show(week);
  }

  // ↑ and ↓ move to the same day on the row above or below.
  function move(input, step) {
    const column = Array.from(body.querySelectorAll(`input.hours[data-day="${input.dataset.day}"]:not(:disabled)`));
    const next = column[column.indexOf(input) + step];
    if (next) {
      next.focus();
      next.select();
    }
  }

  body.addEventListener("keydown", (event) => {
    if (!event.target.matches("input.hours")) {
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.target, event.key === "ArrowDown" ? 1 : -1);
    }
  });

  body.addEventListener("input", (event) => {
    dirty = true;
    if (event.target.matches("input.hours")) {
      event.target.classList.toggle("is-invalid", Number.isNaN(parseHours(event.target.value)));
      recount();
    }
  });
  body.addEventListener("change", () => {
    dirty = true;
  });

  body.addEventListener("click", (event) => {
    const toggle = event.target.closest(".notes-toggle");
    if (!toggle) {
      return;
    }
    const notes = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = notes.classList.toggle("is-collapsed") === false;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      const first = notes.querySelector("input.note:not(:disabled)");
      if (first) {
        first.focus();
      }
    }
  });

  form.addEventListener("submit", () => {
    dirty = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) {
      event.preventDefault();
    }
  });

  // Add a row in place, keeping what was typed; the form's GET fallback reloads the page instead.
  const addForm = document.getElementById("add-row-form");
  const template = document.getElementById("row-template");
  const select = document.getElementById("add-package");
  if (addForm && template && select) {
    addForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const option = select.selectedOptions[0];
      if (!option) {
        return;
      }
      const index = Number(rowCount.value);
      const html = template.innerHTML.replaceAll("__i__", String(index));
      const holder = document.createElement("tbody");
      holder.innerHTML = html;
      const [row, notes] = holder.querySelectorAll("tr");
      row.querySelector(`input[name="r${index}-package"]`).value = option.value;
      const group = option.closest("optgroup").dataset;
      const packageName = option.dataset.package || option.textContent;
      const link = row.querySelector('[data-slot="project"]');
      link.textContent = group.project;
      link.href = group.projectUrl;
      row.querySelector('[data-slot="package"]').textContent = packageName;
      row.querySelector('[data-slot="customer"]').textContent = group.customer;
      row.querySelectorAll("input.hours, input.form-check-input").forEach((input) => {
        input.setAttribute("aria-label", `${input.getAttribute("aria-label")} ${packageName}`);
      });
      const empty = body.querySelector(".empty-row");
      if (empty) {
        empty.remove();
      }
      body.append(row, notes);
      rowCount.value = String(index + 1);
      dirty = true;
      const today = row.querySelector("td.is-today input.hours:not(:disabled)");
      (today || row.querySelector("input.hours:not(:disabled)"))?.focus();
    });
  }
})();
