// The pipeline board: drag cards between stages (SortableJS) or use each card's "Move to…" menu.
// Both post the same move form; the server answers with the moved card and the new totals, or with
// why it refused, and then the card goes back where it was and a message says why.
(function () {
  "use strict";

  const board = document.getElementById("board");
  if (!board) {
    return;
  }
  const urlFor = (kind, id) => board.dataset[kind + "Url"].replace("/0/", "/" + id + "/");
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const text = (key) => board.dataset[key] || "";

  function announce(message) {
    const status = document.getElementById("board-status");
    status.textContent = "";
    window.setTimeout(() => { status.textContent = message; }, 50);
  }

  function showError(message, links) {
    const toast = document.getElementById("board-toast");
    toast.querySelector("[data-toast-text]").textContent = message;
    const holder = toast.querySelector("[data-toast-links]");
    holder.replaceChildren();
    for (const link of links || []) {
      const anchor = document.createElement("a");
      anchor.className = "link-light fw-semibold ms-1";
      anchor.href = link.href;
      anchor.textContent = link.label;
      holder.append(anchor);
    }
    window.bootstrap.Toast.getOrCreateInstance(toast).show();
  }

  // Replace each element of the server's answer that has an id with the element of that id on the page.
  function swapIn(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    for (const fresh of Array.from(template.content.children)) {
      const current = fresh.id && document.getElementById(fresh.id);
      if (current) {
        current.replaceWith(fresh);
        if (window.htmx) {
          window.htmx.process(fresh);
        }
      }
    }
    drawChart();
  }

  function putBack(card, from, index) {
    const reference = from.children[index] || null;
    from.insertBefore(card, reference);
  }

  async function move(card, stage, undo) {
    const body = new FormData();
    body.append("stage", stage);
    body.append("version", card.dataset.version);
    body.append("board_query", board.dataset.query || "");
    let response;
    try {
      response = await fetch(urlFor("move", card.dataset.id), {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrf(), "HX-Request": "true" },
        credentials: "same-origin",
      });
    } catch (error) {
      undo();
      showError(text("textNetwork"));
      return;
    }
    if (response.ok) {
      swapIn(await response.text());
      const column = document.getElementById("cards-" + stage);
      const label = column ? column.dataset.stageLabel : stage;
      announce(text("textMoved").replace("%(title)s", card.dataset.title).replace("%(stage)s", label));
      return;
    }
    undo();
    let detail = {};
    try {
      detail = await response.json();
    } catch (error) {
      detail = {};
    }
    const links = [];
    if (detail.override_url) {
      links.push({ href: detail.override_url, label: text("textOverride") });
    }
    if (detail.stale) {
      links.push({ href: window.location.href, label: text("textReload") });
    }
    showError(detail.message || text("textFailed"), links);
  }

  // Won and lost need a decision (a date, or a reason and a note): open their form in a dialog.
  async function openDecision(card, stage) {
    const url = urlFor(stage === "won" ? "win" : "lose", card.dataset.id) +
      "?dialog=1&next=" + encodeURIComponent(window.location.pathname + window.location.search);
    const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    if (!response.ok) {
      showError(text("textFailed"));
      return;
    }
    document.getElementById("stage-dialog-content").innerHTML = await response.text();
    const dialog = document.getElementById("stage-dialog");
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
    dialog.addEventListener("shown.bs.modal", () => {
      const first = dialog.querySelector("select, textarea, input:not([type=hidden])");
      if (first) {
        first.focus();
      }
    }, { once: true });
  }

  function setUpDragging() {
    if (!window.Sortable) {
      return;
    }
    for (const column of board.querySelectorAll(".board-cards")) {
      window.Sortable.create(column, {
        group: "pipeline",
        sort: false,
        draggable: ".opp-card",
        filter: ".locked, .dropdown-menu, .opp-move-toggle",
        preventOnFilter: false,
        forceFallback: true,
        fallbackTolerance: 4,
        animation: 150,
        ghostClass: "opp-card-ghost",
        chosenClass: "opp-card-chosen",
        onEnd(event) {
          if (event.from === event.to) {
            return;
          }
          const card = event.item;
          const from = event.from;
          const index = event.oldIndex;
          const stage = event.to.dataset.stage;
          const undo = () => putBack(card, from, index);
          if (stage === "won" || stage === "lost") {
            undo();
            openDecision(card, stage);
            return;
          }
          move(card, stage, undo);
        },
      });
    }
  }

  // "Move to…": the same move without a mouse. One menu is kept in a <template> and put beside a
  // card's button the first time it gets focus or a pointer, before Bootstrap opens it.
  function ensureMenu(toggle) {
    if (toggle.nextElementSibling && toggle.nextElementSibling.matches("[data-move-menu]")) {
      return;
    }
    const card = toggle.closest(".opp-card");
    const menu = document.getElementById("move-menu").content.firstElementChild.cloneNode(true);
    const next = "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    for (const item of menu.querySelectorAll("[data-stage]")) {
      if (item.dataset.stage === card.dataset.stage) {
        item.remove();
      } else if (item.dataset.stage === "won" || item.dataset.stage === "lost") {
        item.href = urlFor(item.dataset.stage === "won" ? "win" : "lose", card.dataset.id) + next;
      }
    }
    toggle.after(menu);
  }

  for (const kind of ["focusin", "pointerdown"]) {
    board.addEventListener(kind, (event) => {
      const toggle = event.target.closest(".opp-move-toggle");
      if (toggle) {
        ensureMenu(toggle);
      }
    });
  }

  board.addEventListener("click", (event) => {
    const item = event.target.closest("[data-move-menu] [data-stage]");
    if (!item) {
      return;
    }
    event.preventDefault();
    const card = item.closest(".opp-card");
    const stage = item.dataset.stage;
    const toggle = card.querySelector(".opp-move-toggle");
    if (toggle && window.bootstrap) {
      window.bootstrap.Dropdown.getOrCreateInstance(toggle).hide();
    }
    if (stage === "won" || stage === "lost") {
      openDecision(card, stage);
      return;
    }
    const from = card.parentElement;
    const index = Array.prototype.indexOf.call(from.children, card);
    const target = document.getElementById("cards-" + stage);
    if (target) {
      target.prepend(card);
    }
    move(card, stage, () => putBack(card, from, index)).then(() => {
      const moved = document.getElementById(card.id);
      const focusable = moved && (moved.querySelector(".opp-move-toggle") || moved.querySelector(".opp-title"));
      if (focusable) {
        focusable.focus();
      }
    });
  });

  let chart = null;
  function drawChart() {
    const canvas = document.getElementById("months-canvas");
    const source = document.getElementById("months-data");
    if (!canvas || !source || !window.Chart) {
      return;
    }
    const data = JSON.parse(source.textContent);
    if (chart) {
      chart.destroy();
    }
    const kroner = new Intl.NumberFormat("nb-NO", { maximumFractionDigits: 0 });
    chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.value_label, data: data.totals, backgroundColor: "#b8c7da", borderRadius: 3 },
          { label: data.weighted_label, data: data.weighted, backgroundColor: "#2a9d8f", borderRadius: 3 },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (item) => item.dataset.label + ": kr " + kroner.format(item.parsed.y) } },
        },
        scales: {
          y: { ticks: { callback: (value) => "kr " + kroner.format(value) } },
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUpDragging();
    drawChart();
  });
})();
