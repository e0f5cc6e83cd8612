// Demo page: shows what the form would send instead of sending it.
document.getElementById("query-form").addEventListener("submit", (event) => {
  event.preventDefault();
  document.getElementById("sent").textContent = document.getElementById("query").value;
});
