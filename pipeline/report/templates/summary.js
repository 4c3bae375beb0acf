// Batch overview: click a column header of the calls table to sort by it (again to reverse).
(function () {
  "use strict";
  var table = document.querySelector("table.calls");
  if (!table) { return; }
  var headers = Array.prototype.slice.call(table.querySelectorAll("thead th"));
  var body = table.tBodies[0];

  function key(row, column, numeric) {
    var value = row.cells[column].getAttribute("data-sort") || "";
    return numeric ? parseFloat(value) || 0 : value.toLowerCase();
  }

  headers.forEach(function (header, column) {
    if (!header.classList.contains("sortable")) { return; }
    header.addEventListener("click", function () {
      var numeric = header.getAttribute("data-type") === "number";
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, column, numeric), y = key(b, column, numeric);
        var order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
