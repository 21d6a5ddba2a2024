// Documents: drop files on a workspace (or choose them), watch each one upload, then see it listed.
//
// Each file is posted on its own with XMLHttpRequest, whose upload events give the progress bar.
// Without JavaScript the same form posts the chosen files and the page reloads.
(() => {
  if (window.samspillDocuments) {
    return;
  }
  window.samspillDocuments = true;
  document.documentElement.classList.add("js");

  const token = (zone) => zone.querySelector("input[name=csrfmiddlewaretoken]").value;

  function row(zone, file) {
    const item = document.createElement("li");
    item.dataset.testid = "upload";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    name.title = file.name;
    const progress = document.createElement("div");
    progress.className = "progress";
    progress.setAttribute("role", "progressbar");
    progress.setAttribute("aria-label", file.name);
    progress.setAttribute("aria-valuemin", "0");
    progress.setAttribute("aria-valuemax", "100");
    progress.setAttribute("aria-valuenow", "0");
    const bar = document.createElement("div");
    bar.className = "progress-bar";
    bar.style.width = "0%";
    progress.append(bar);
    const status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = zone.dataset.textWaiting;
    item.append(name, progress, status);
    zone.querySelector("[data-upload-list]").append(item);
    return {
      progress(percent) {
        const value = Math.round(percent);
        bar.style.width = `${value}%`;
        progress.setAttribute("aria-valuenow", String(value));
        status.textContent = `${zone.dataset.textUploading} ${value} %`;
      },
      done() {
        this.progress(100);
        item.classList.add("is-done");
        item.dataset.state = "done";
        status.textContent = zone.dataset.textDone;
      },
      failed(reason) {
        item.classList.add("is-failed");
        item.dataset.state = "failed";
        bar.classList.add("bg-danger");
        status.textContent = `${zone.dataset.textFailed}: ${reason}`;
      },
    };
  }

  function reason(xhr, zone) {
    try {
      const body = JSON.parse(xhr.responseText);
      if (typeof body.detail === "string") {
        return body.detail;
      }
    } catch (error) {
      // not JSON: fall through to the status line
    }
    return xhr.status ? `HTTP ${xhr.status}` : zone.dataset.textNetwork;
  }

  function send(zone, file, shown) {
    return new Promise((resolve) => {
      if (file.size > Number(zone.dataset.maxBytes)) {
        shown.failed(zone.dataset.textTooLarge);
        resolve(false);
        return;
      }
      const data = new FormData();
      for (const input of zone.querySelectorAll("input[type=hidden], select")) {
        data.append(input.name, input.value);
      }
      data.append(zone.dataset.field, file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", zone.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", token(zone));
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) {
          shown.progress((event.loaded / event.total) * 100);
        }
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          shown.done();
          resolve(true);
        } else {
          shown.failed(reason(xhr, zone));
          resolve(false);
        }
      });
      xhr.addEventListener("error", () => {
        shown.failed(zone.dataset.textNetwork);
        resolve(false);
      });
      xhr.send(data);
    });
  }

  function refresh(zone) {
    const target = document.querySelector(zone.dataset.refresh);
    if (target && window.htmx) {
      window.htmx.ajax("GET", zone.dataset.refreshUrl, { target, swap: "outerHTML" });
    }
  }

  async function upload(zone, files) {
    let chosen = Array.from(files);
    if (zone.hasAttribute("data-single")) {
      chosen = chosen.slice(0, 1);
    }
    const shown = chosen.map((file) => row(zone, file));
    let uploaded = 0;
    // One at a time: each bar then shows a real rate, and a large batch does not swamp the server.
    for (const [index, file] of chosen.entries()) {
      if (await send(zone, file, shown[index])) {
        uploaded += 1;
        if (zone.dataset.after === "refresh") {
          refresh(zone);
        }
      }
    }
    if (uploaded && zone.dataset.after === "reload") {
      window.location.reload();
    }
  }

  const zoneOf = (target) => (target instanceof Element ? target.closest("[data-dropzone]") : null);

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches("[data-upload-input]")) {
      return;
    }
    const zone = zoneOf(input);
    if (zone && input.files && input.files.length) {
      upload(zone, input.files);
      input.value = "";
    }
  });

  for (const name of ["dragenter", "dragover"]) {
    document.addEventListener(name, (event) => {
      const zone = zoneOf(event.target);
      if (zone || document.querySelector("[data-dropzone]")) {
        event.preventDefault(); // a file dropped beside the zone must not replace the page
      }
      if (zone) {
        event.dataTransfer.dropEffect = "copy";
        zone.classList.add("is-dragover");
      }
    });
  }
  document.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event.target);
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.classList.remove("is-dragover");
    }
  });
  document.addEventListener("drop", (event) => {
    const zone = zoneOf(event.target);
    if (!zone && !document.querySelector("[data-dropzone]")) {
      return;
    }
    event.preventDefault();
    if (zone) {
      zone.classList.remove("is-dragover");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        upload(zone, event.dataTransfer.files);
      }
    }
  });
})();
