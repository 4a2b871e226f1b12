// The ring graph of a case page: members and the devices and accounts they share,
// drawn with Cytoscape.js (vendored). Click a node to select it; "Expand one hop" adds
// the accounts it reaches through identifiers that are not hubs (hubs are drawn as
// hubs and never expanded). Double-click a shop or host to open its page.
// Labels are drawn on the canvas as text, never as HTML.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  if (!box || typeof cytoscape !== "function") { return; }
  var palette = JSON.parse(box.getAttribute("data-palette"));
  var status = document.getElementById("g-status");
  var expandButton = document.getElementById("g-expand");
  var shapes = { merchant: "ellipse", streamer: "ellipse", device: "round-rectangle",
                 payment_account: "diamond", organization: "hexagon" };
  var markOrder = ["blacklisted", "confirmed", "banned", "suspended", "cleared", "new"];

  function short(text, n) {
    text = String(text == null ? "" : text);
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  function element(node) {
    var mark = null;
    var marks = node.marks || [];
    for (var i = 0; i < markOrder.length && !mark; i++) {
      if (marks.indexOf(markOrder[i]) >= 0) { mark = markOrder[i] === "confirmed" ? "blacklisted" : markOrder[i]; }
    }
    var kind = palette.kinds[node.kind] || palette.kinds.ring;
    var fill = node.hub ? palette.hub : kind;
    var m = mark ? palette.marks[mark] : null;
    var caption = node.hub ? short(node.label, 18) + " (" + (node.users || "?") + ")" : short(node.label || node.id, 24);
    return { group: "nodes", data: {
      id: node.id, caption: caption, kind: node.kind, hub: !!node.hub,
      fill: fill.fill, border: m ? m.colour : fill.border, borderWidth: m ? m.width : 1,
      borderStyle: m && m.dashed ? "dashed" : "solid",
      shape: node.hub ? "octagon" : (shapes[node.kind] || "ellipse"),
      size: node.hub ? 34 : (node.kind === "merchant" || node.kind === "streamer" ? 26 : 18),
      title: node.label || node.id } };
  }

  function edge(e) {
    return { group: "edges", data: { id: "e:" + e.source + "->" + e.target, source: e.source,
                                     target: e.target, kind: e.kind } };
  }

  var cy = cytoscape({
    container: box, minZoom: 0.05, maxZoom: 4,
    style: [
      { selector: "node", style: {
        "background-color": "data(fill)", "border-color": "data(border)",
        "border-width": "data(borderWidth)", "border-style": "data(borderStyle)",
        "shape": "data(shape)", "width": "data(size)", "height": "data(size)",
        "label": "data(caption)", "font-size": 9, "text-valign": "bottom",
        "text-margin-y": 3, "color": "#1c2330", "text-wrap": "none" } },
      { selector: "node:selected", style: { "overlay-color": "#1565c0", "overlay-opacity": 0.25 } },
      { selector: "edge", style: { "width": 1, "line-color": palette.edge, "curve-style": "haystack" } },
      { selector: "edge[kind = 'promotes']", style: { "line-style": "dashed" } }
    ]
  });

  function layout(fit) {
    cy.layout({ name: "cose", animate: false, fit: fit, padding: 24, randomize: false,
                nodeRepulsion: function () { return 9000; }, idealEdgeLength: function () { return 60; } }).run();
  }

  function add(graph) {
    var added = 0;
    (graph.nodes || []).forEach(function (n) {
      if (cy.getElementById(n.id).empty()) { cy.add(element(n)); added++; }
    });
    (graph.edges || []).forEach(function (e) {
      var id = "e:" + e.source + "->" + e.target;  // "e:" is no node kind: never a node's id
      if (cy.getElementById(id).empty() && !cy.getElementById(e.source).empty() &&
          !cy.getElementById(e.target).empty()) { cy.add(edge(e)); }
    });
    return added;
  }

  function load(url, then) {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(then)
      .catch(function (err) { status.textContent = String(err.message || err); });
  }

  load(box.getAttribute("data-graph"), function (graph) {
    add(graph);
    layout(true);
    box.setAttribute("data-nodes", String(cy.nodes().length));
    box.setAttribute("data-ready", "1");
  });

  cy.on("tap", "node", function (evt) {
    var n = evt.target;
    expandButton.disabled = !!n.data("hub");
    expandButton.setAttribute("data-node", n.id());
    status.textContent = n.data("title") + (n.data("hub") ? " · " + box.getAttribute("data-hub-text") : "");
  });
  cy.on("dbltap", "node", function (evt) {
    var n = evt.target, kind = n.data("kind");
    if (kind === "merchant" || kind === "streamer") {
      var id = n.id().slice(kind.length + 1);
      window.location.href = "/members/" + kind + "/" + encodeURIComponent(id);
    }
  });
  expandButton.addEventListener("click", function () {
    var key = expandButton.getAttribute("data-node");
    if (!key) { return; }
    expandButton.disabled = true;
    load("/api/expand?node=" + encodeURIComponent(key), function (graph) {
      var added = add(graph);
      layout(false);
      status.textContent = "+" + added + (graph.truncated ? " · " + box.getAttribute("data-more-text") : "");
      box.setAttribute("data-expanded", String(Number(box.getAttribute("data-expanded") || 0) + 1));
      box.setAttribute("data-nodes", String(cy.nodes().length));
    });
  });
  document.getElementById("g-fit").addEventListener("click", function () { cy.fit(undefined, 24); });
  document.getElementById("g-in").addEventListener("click", function () { cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: box.clientWidth / 2, y: box.clientHeight / 2 } }); });
  document.getElementById("g-out").addEventListener("click", function () { cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: box.clientWidth / 2, y: box.clientHeight / 2 } }); });
  window.graphfraudGraph = cy;  // for the browser test and the console
})();
