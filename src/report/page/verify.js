// verify's report.html: filters over the differences, 200 rows at a time. Data reaches the
// page through textContent only.
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var isNew = new Set(data["new"]);
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fill(select, what, values) {
    var all = el("option", null, "every " + what);
    all.value = "";
    select.appendChild(all);
    Array.from(new Set(values)).sort().forEach(function (v) {
      var o = el("option", null, v);
      o.value = v;
      select.appendChild(o);
    });
  }
  fill($("check"), "check", data.rows.map(function (r) { return r[1]; }));
  fill($("kind"), "kind", data.rows.map(function (r) { return r[2]; }));
  if (data.since) $("new-only-label").hidden = false;

  function row(r, cls) {
    var tr = el("tr", cls);
    r.forEach(function (v) { tr.appendChild(el("td", null, String(v))); });
    if (cls === "new") tr.firstChild.textContent += " (new)";
    return tr;
  }
  var rows = [], shown = 0;
  function more() {
    var body = $("rows");
    for (var i = shown; i < Math.min(rows.length, shown + 200); i++) {
      body.appendChild(row(data.rows[rows[i]], isNew.has(rows[i]) ? "new" : ""));
    }
    shown = Math.min(rows.length, shown + 200);
    $("more").hidden = shown >= rows.length;
    $("count").textContent = "showing " + shown + " of " + rows.length;
  }
  function filter() {
    var check = $("check").value, kind = $("kind").value, onlyNew = $("new-only").checked;
    var text = $("filter").value.trim().toLowerCase();
    rows = [];
    data.rows.forEach(function (r, i) {
      if (check && r[1] !== check) return;
      if (kind && r[2] !== kind) return;
      if (onlyNew && !isNew.has(i)) return;
      if (text && r.join("\n").toLowerCase().indexOf(text) < 0) return;
      rows.push(i);
    });
    $("rows").textContent = "";
    shown = 0;
    more();
  }
  ["check", "kind", "new-only"].forEach(function (id) { $(id).addEventListener("change", filter); });
  $("filter").addEventListener("input", filter);
  $("more").addEventListener("click", more);
  filter();
  if (data.since) {
    data.resolved.forEach(function (r) { $("resolved-rows").appendChild(row(r, "resolved")); });
  }
  document.body.setAttribute("data-ready", "1");
})();
