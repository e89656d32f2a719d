// Bulk review: a header checkbox selects every record on the page.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.matches("[data-select-all]")) return;
  box.form.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`).forEach((item) => {
    item.checked = box.checked;
  });
});
