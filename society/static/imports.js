// The import progress page: ask the server to check the next rows until every row is
// checked, showing progress; while the scheduler creates the rows of a large commit, ask how
// far it is; then reload to show the verdict. Without JavaScript the button does a step.
(function () {
  const box = document.getElementById("import-progress");
  if (box) {
    const fallback = box.querySelector("[data-progress-fallback]");
    if (fallback) fallback.hidden = true;
    const bar = box.querySelector("[data-progress-bar]");
    const text = box.querySelector("[data-progress-text]");
    const show = (state) => {
      if (!bar || !text) return; // creating the rows: nothing to count
      const percent = state.total ? Math.round((100 * state.processed) / state.total) : 100;
      bar.style.width = percent + "%";
      bar.textContent = percent + "%";
      bar.parentElement.setAttribute("aria-valuenow", String(percent));
      text.textContent = state.processed + " / " + state.total;
    };
    // Checking advances with each step; creating the rows is the scheduler's: ask how far it is.
    const next = (state) => {
      if (state.done) window.location.assign(state.url);
      else if (state.creating) window.setTimeout(poll, 2000);
      else step();
    };
    const poll = () => {
      fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(next)
        .catch(() => window.setTimeout(poll, 5000));
    };
    const step = () => {
      fetch(box.dataset.stepUrl, {
        method: "POST",
        headers: { "X-CSRFToken": box.dataset.csrf, Accept: "application/json" },
        credentials: "same-origin",
      })
        .then((response) => {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then((state) => {
          show(state);
          next(state);
        })
        .catch(() => {
          if (fallback) fallback.hidden = false; // let the person continue by hand
        });
    };
    step();
  }
  // A long commit: say it is working and prevent a second click.
  document.querySelectorAll("form[data-busy]").forEach((form) => {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = form.dataset.busy;
      }
    });
  });
})();
