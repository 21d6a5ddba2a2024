// After a refused save, put the cursor in the first field that needs fixing.
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector('main form [aria-invalid="true"]');
  if (invalid) {
    invalid.focus();
  }
});
