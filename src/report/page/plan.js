// report.html's behaviour. Every piece of data reaches the page through textContent, never
// innerHTML: legacy names are shown as text whatever they contain.
"use strict";
(function () {
  // [id, state, name, keys, line, trail, codes] — see src/report/page/entry.rs. The name
  // joins the search keys here, lower-cased once (the page carries it only once).
  var accounts = [];
  document.querySelectorAll("script.accounts").forEach(function (s) {
    Array.prototype.push.apply(accounts, JSON.parse(s.textContent));
  });
  accounts.forEach(function (a) { a[3] = a[3] ? a[2].toLowerCase() + "\n" + a[3] : a[2].toLowerCase(); });
  var meta = JSON.parse(document.getElementById("meta").textContent);
  var byId = new Map();
  accounts.forEach(function (a) { byId.set(a[0], a); });
  var reasons = new Map(meta.reasons.map(function (r) { return [r.code, r]; }));
  var STATE = { hold: "HOLD", warn: "MIGRATE with warnings", ok: "MIGRATE" };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function sentence(code) {
    var r = reasons.get(code);
    return r ? r.sentence : code;
  }

  // Exact matches (the whole id, a whole email or domain) first, then substrings.
  function find(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var exact = [], partial = [];
    // An account number that exists is the answer: emails and domains that merely contain
    // those digits would bury it.
    if (/^\d+$/.test(q) && byId.has(Number(q))) return [byId.get(Number(q))];
    for (var i = 0; i < accounts.length; i++) {
      var a = accounts[i], keys = a[3];
      var at = keys.indexOf(q);
      if (at < 0) continue;
      var whole = (at === 0 || keys[at - 1] === "\n") &&
        (at + q.length === keys.length || keys[at + q.length] === "\n");
      if (whole) exact.push(a); else if (partial.length < 200) partial.push(a);
    }
    return exact.concat(partial);
  }

  function show(a) {
    $("account").hidden = false;
    $("account").className = a[1];
    $("account-title").textContent = "Account " + a[0] + " «" + a[2] + "» — " + STATE[a[1]];
    $("account-line").textContent = a[4] === null ? "" : a[4];
    var list = $("account-reasons");
    list.textContent = "";
    a[6].forEach(function (code) {
      var li = el("li");
      li.appendChild(el("span", "say", sentence(code)));
      li.appendChild(el("code", null, code));
      list.appendChild(li);
    });
    var pre = $("trail");
    if (a[5] !== null) {
      pre.textContent = a[5];
      pre.className = "";
    } else {
      pre.textContent = "This account migrates without warnings, so the page keeps only its " +
        "one-line outcome above. For its whole decision trail run:\n\n  billmigrate explain " + a[0];
      pre.className = "note";
    }
  }

  var results = $("results");
  function search() {
    var q = $("search").value;
    var hits = find(q);
    $("matches").setAttribute("data-query", q); // which query the page shows (tests wait on it)
    results.textContent = "";
    if (!q.trim()) { $("matches").textContent = ""; $("account").hidden = true; return; }
    if (hits.length === 0) {
      $("matches").textContent = "No account matches «" + q.trim() + "».";
      $("account").hidden = true;
      return;
    }
    $("matches").textContent = hits.length === 1 ? "One account matches." :
      (hits.length >= 200 ? "200 or more" : hits.length) + " accounts match; showing the first. Pick another:";
    if (hits.length > 1) {
      hits.slice(0, 30).forEach(function (a) {
        var li = el("li");
        var b = el("button", "link " + a[1], a[0] + " «" + a[2] + "» — " + STATE[a[1]]);
        b.type = "button";
        b.addEventListener("click", function () { show(a); });
        li.appendChild(b);
        results.appendChild(li);
      });
    }
    show(hits[0]);
  }
  var timer = null;
  $("search").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, accounts.length > 20000 ? 200 : 60);
  });
  $("search").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { clearTimeout(timer); search(); }
  });

  // The list of held and warned accounts, filtered by reason and text, 100 rows at a time.
  var flagged = accounts.filter(function (a) { return a[6].length > 0; });
  var counts = new Map();
  flagged.forEach(function (a) {
    a[6].forEach(function (c) { counts.set(c, (counts.get(c) || 0) + 1); });
  });
  var select = $("reason");
  function option(value, text) { var o = el("option", null, text); o.value = value; select.appendChild(o); }
  var held = flagged.filter(function (a) { return a[1] === "hold"; }).length;
  option("", "every held or warned account (" + flagged.length + ")");
  option("hold", "held (" + held + ")");
  option("warn", "with warnings (" + (flagged.length - held) + ")");
  meta.reasons.forEach(function (r) {
    if (counts.get(r.code)) option(r.code, r.kind + ": " + r.code + " (" + counts.get(r.code) + ")");
  });
  var shown = 0, rows = [];
  function matches(a, reason, text) {
    if (reason === "hold" || reason === "warn") { if (a[1] !== reason) return false; }
    else if (reason && a[6].indexOf(reason) < 0) return false;
    return !text || String(a[0]).indexOf(text) >= 0 || a[3].indexOf(text) >= 0;
  }
  function more() {
    var body = $("flagged-rows");
    rows.slice(shown, shown + 100).forEach(function (a) {
      var tr = el("tr", a[1]);
      var id = el("td");
      var b = el("button", "link", String(a[0]));
      b.type = "button";
      b.addEventListener("click", function () {
        $("search").value = String(a[0]);
        search();
        $("find").scrollIntoView();
      });
      id.appendChild(b);
      tr.appendChild(id);
      tr.appendChild(el("td", null, a[2]));
      tr.appendChild(el("td", null, STATE[a[1]]));
      var why = el("td");
      a[6].forEach(function (code) {
        var p = el("div");
        p.appendChild(el("code", null, code));
        p.appendChild(document.createTextNode(" " + sentence(code)));
        why.appendChild(p);
      });
      tr.appendChild(why);
      body.appendChild(tr);
    });
    shown = Math.min(rows.length, shown + 100);
    $("more").hidden = shown >= rows.length;
    $("flagged-count").textContent = "showing " + shown + " of " + rows.length;
  }
  function filter() {
    var reason = select.value, text = $("filter").value.trim().toLowerCase();
    rows = flagged.filter(function (a) { return matches(a, reason, text); });
    var r = reasons.get(reason);
    $("reason-sentence").textContent = r ? "Tell the customer: " + r.sentence + "." : "";
    $("flagged-rows").textContent = "";
    shown = 0;
    more();
  }
  select.addEventListener("change", filter);
  $("filter").addEventListener("input", filter);
  $("more").addEventListener("click", more);
  filter();

  var legend = $("legend-rows");
  meta.reasons.forEach(function (r) {
    var tr = el("tr", r.kind === "hold" ? "hold" : "warn");
    var c = el("td");
    c.appendChild(el("code", null, r.code));
    tr.appendChild(c);
    tr.appendChild(el("td", null, r.kind));
    tr.appendChild(el("td", "n", String(counts.get(r.code) || 0)));
    tr.appendChild(el("td", null, r.sentence));
    legend.appendChild(tr);
  });
  document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-ready", "1");
})();
