// The certificate batch page: render the day's PDFs one by one, showing progress,
// so the zip that follows only has to package them. Without JavaScript the zip renders them itself.
(() => {
  const batch = document.getElementById("batch");
  if (!batch) return;
  const bar = batch.querySelector("[data-progress-bar]");
  const error = batch.querySelector("[data-progress-error]");
  const token = batch.querySelector("input[name=csrf_token]").value;
  const show = (rendered, total) => {
    bar.style.width = `${Math.round((100 * rendered) / total)}%`;
    bar.textContent = `${rendered} / ${total}`;
    bar.parentElement.setAttribute("aria-valuenow", rendered);
  };
  const step = async () => {
    const body = new URLSearchParams({ on: batch.dataset.day });
    const response = await fetch(batch.dataset.renderUrl, {
      method: "POST", body, headers: { "X-CSRFToken": token, Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const state = await response.json();
    show(state.rendered, state.total);
    return state.done;
  };
  const run = async () => {
    try {
      while (!(await step())) { /* next PDF */ }
      bar.classList.add("bg-success");
    } catch (e) {
      error.classList.remove("d-none");
    }
  };
  if (Number(batch.dataset.rendered) < Number(batch.dataset.total)) run();
})();
