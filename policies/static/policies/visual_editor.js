// The visual policy editor: a "Visual" tab beside "JSON" on every policy editor
// (templates/policies/_policy_editor.html). docs/visual-editor.md says what it does.
//
// The textarea stays the single source of truth, submitted by the form: switching to Visual
// parses it; every visual edit rewrites it (4-space indents) and fires "input", so editor.js
// refreshes the gutter and the live findings. Statements the visual editor can't express
// (NotAction, Principal, wildcards, several services…) are shown read-only as JSON with the
// reason, and written back verbatim; statements nobody touched are written back as they were.
// Service data comes from /iam/policies/service-data/ (the list once, then one service at a
// time with ?service=<prefix>, on demand, cached in memory). Without JavaScript the tabs stay hidden.
(function () {
  "use strict";

  var FAMILIES = [
    ["String", ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"]],
    ["Numeric", ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"]],
    ["Date", ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"]],
    ["Bool", ["Bool"]],
    ["Binary", ["BinaryEquals"]],
    ["IpAddress", ["IpAddress", "NotIpAddress"]],
    ["Arn", ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"]],
    ["Null", ["Null"]]
  ];
  var OPERATORS = {};
  FAMILIES.forEach(function (f) { f[1].forEach(function (op) { OPERATORS[op.toLowerCase()] = op; }); });
  var QUALIFIERS = [["", "Default"], ["ForAnyValue", "For any value in a request"], ["ForAllValues", "For all values in request"]];
  var STATEMENT_KEYS = {Sid: 1, Effect: 1, Action: 1, Resource: 1, Condition: 1};
  var CANNOT = {
    NotAction: "This statement uses NotAction, which the visual editor can't show.",
    NotResource: "This statement uses NotResource, which the visual editor can't show.",
    Principal: "This statement names a Principal, which the visual editor can't show.",
    NotPrincipal: "This statement uses NotPrincipal, which the visual editor can't show."
  };
  var KEPT = " It is kept as it is: edit it in the JSON tab.";

  var uid = 0;
  function nextId(stem) { uid += 1; return "ve-" + stem + "-" + uid; }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === "text") node.textContent = v;
        else if (k === "cls") node.className = v;
        else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
        else if (k === "checked" || k === "disabled" || k === "value" || k === "indeterminate") node[k] = v;
        else node.setAttribute(k, v === true ? "" : v);
      });
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function isString(v) { return typeof v === "string"; }
  function isScalar(v) { return typeof v === "string" || typeof v === "number" || typeof v === "boolean"; }
  function asList(v) { return Array.isArray(v) ? v : [v]; }
  function one(list) { return list.length === 1 ? list[0] : list; }

  // --- Service data -------------------------------------------------------------------
  var cache = {list: null, services: {}};
  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}}).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (r.status === 404) return null;
      if (!r.ok || type.indexOf("application/json") !== 0) throw new Error("The service reference could not be loaded.");
      return r.json();
    });
  }
  function loadList(base) {
    if (!cache.list) {
      cache.list = getJSON(base).then(function (data) {
        if (!data) throw new Error("The service reference could not be loaded.");
        data.byPrefix = {};
        data.services.forEach(function (row) { data.byPrefix[row[0]] = {prefix: row[0], name: row[1], count: row[2]}; });
        return data;
      });
      cache.list.catch(function () { cache.list = null; });
    }
    return cache.list;
  }
  function loadService(base, prefix) {
    prefix = prefix.toLowerCase();
    if (!cache.services[prefix]) {
      cache.services[prefix] = getJSON(base + "?service=" + encodeURIComponent(prefix)).then(function (data) {
        if (!data) return null;
        var svc = {prefix: data.prefix, name: data.name, resources: {}, moreArns: {}, typeKeys: {}, conditions: data.conditions,
                   actions: [], byLower: {}, levels: [[], [], [], [], []]};
        Object.keys(data.resources).forEach(function (t) {
          svc.resources[t] = data.resources[t][0]; svc.typeKeys[t] = data.resources[t][1];
          svc.moreArns[t] = data.resources[t][2] || [];  // a type AWS gives several ARN formats
        });
        data.actions.forEach(function (row) {
          // An action's keys: its own, then those of its resource types.
          var keys = row[3].slice();
          row[2].forEach(function (t) { (svc.typeKeys[t[0]] || []).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
          var a = {name: row[0], level: row[1], types: row[2], keys: keys, full: data.prefix + ":" + row[0]};
          svc.actions.push(a); svc.byLower[a.name.toLowerCase()] = a; svc.levels[a.level].push(a);
        });
        return svc;
      });
      cache.services[prefix].catch(function () { delete cache.services[prefix]; });
    }
    return cache.services[prefix];
  }

  // --- ARN formats ---------------------------------------------------------------------
  // "arn:${Partition}:s3:::${BucketName}/${ObjectName}" -> literal and field pieces.
  function arnPieces(format) {
    var pieces = [], i = 0;
    while (i < format.length) {
      var start = format.indexOf("${", i);
      if (start < 0) { pieces.push({lit: format.slice(i)}); break; }
      if (start > i) pieces.push({lit: format.slice(i, start)});
      var end = format.indexOf("}", start);
      if (end < 0) { pieces.push({lit: format.slice(start)}); break; }
      pieces.push({field: format.slice(start + 2, end)});
      i = end + 1;
    }
    return pieces;
  }
  // Whether an ARN fits a format: literals in order (linear scan, no regex); a field other
  // than the last holds no ":" or "/".
  function arnFits(arn, format) {
    var pieces = arnPieces(format), pos = 0;
    for (var k = 0; k < pieces.length; k++) {
      var p = pieces[k];
      if (p.lit !== undefined) {
        if (k === 0) { if (arn.indexOf(p.lit) !== 0) return false; pos = p.lit.length; continue; }
        var last = k === pieces.length - 1;
        var at = last ? arn.length - p.lit.length : arn.indexOf(p.lit, pos);
        if (at < pos || arn.slice(at, at + p.lit.length) !== p.lit) return false;
        // Policy variables (${aws:username}) may hold ":"; a field's own text may not.
        var value = arn.slice(pos, at).replace(/\$\{[^}]*\}/g, "");
        if (/[:\/]/.test(value)) return false;
        pos = at + p.lit.length;
      } else if (k === pieces.length - 1) {
        return arn.length > pos;
      }
    }
    return pos === arn.length;
  }
  function literalLength(format) {
    return arnPieces(format).reduce(function (n, p) { return n + (p.lit ? p.lit.length : 0); }, 0);
  }
  function buildArn(format, values, blank) {
    return arnPieces(format).map(function (p) {
      return p.lit !== undefined ? p.lit : (values[p.field] || (blank ? "${" + p.field + "}" : "*"));
    }).join("");
  }
  function anyArn(format, account) {
    return buildArn(format, {Partition: "aws", Account: account || "*"});
  }

  // --- Parsing the document into the model ---------------------------------------------
  // A statement: {raw, dirty, reason (not expressible), sid, effect, prefix, all, actions
  // (canonical names, in order), allResources, arns, conditions: [{qualifier, op, ifExists,
  // key, text, raw}]}.
  function structural(raw) {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) return {reason: "This statement is not a JSON object."};
    var keys = Object.keys(raw);
    for (var i = 0; i < keys.length; i++) {
      if (CANNOT[keys[i]]) return {reason: CANNOT[keys[i]]};
      if (!STATEMENT_KEYS[keys[i]]) return {reason: "This statement has an element the visual editor can't show (" + keys[i] + ")."};
    }
    if (raw.Sid !== undefined && !isString(raw.Sid)) return {reason: "This statement's Sid is not a string."};
    if (raw.Effect !== "Allow" && raw.Effect !== "Deny") return {reason: "The visual editor shows statements whose Effect is Allow or Deny."};
    if (raw.Action === undefined) return {reason: "This statement has no Action."};
    var actions = asList(raw.Action);
    if (!actions.every(isString)) return {reason: "This statement's Action is not a string or a list of strings."};
    if (raw.Resource === undefined) return {reason: "This statement has no Resource."};
    if (!asList(raw.Resource).every(isString)) return {reason: "This statement's Resource is not a string or a list of strings."};
    var prefixes = {};
    for (var j = 0; j < actions.length; j++) {
      var a = actions[j], colon = a.indexOf(":");
      if (a === "*") return {reason: "This statement allows or denies every action of every service (\"*\"); the visual editor shows one service per statement."};
      if (colon < 1) return {reason: "The action \"" + a + "\" has no service prefix."};
      var name = a.slice(colon + 1);
      if (/[*?]/.test(name) && name !== "*") return {reason: "This statement uses the action pattern \"" + a + "\"; the visual editor shows whole actions and \"" + a.slice(0, colon) + ":*\" only."};
      if (/[*?]/.test(a.slice(0, colon))) return {reason: "This statement uses the action pattern \"" + a + "\", which the visual editor can't show."};
      prefixes[a.slice(0, colon).toLowerCase()] = 1;
    }
    var list = Object.keys(prefixes);
    if (list.length > 1) return {reason: "This statement's actions belong to several services (" + list.join(", ") + "); the visual editor shows one service per statement."};
    var cond = parseConditions(raw.Condition);
    if (cond.reason) return cond;
    return {prefix: list[0] || null, conditions: cond.rows};
  }
  function parseOperator(name) {
    var qualifier = "", rest = name;
    var colon = name.indexOf(":");
    if (colon >= 0) {
      qualifier = name.slice(0, colon);
      rest = name.slice(colon + 1);
      if (qualifier !== "ForAnyValue" && qualifier !== "ForAllValues") return null;
    }
    var ifExists = false;
    if (rest.length > 8 && rest.slice(-8) === "IfExists") { ifExists = true; rest = rest.slice(0, -8); }
    var op = OPERATORS[rest.toLowerCase()];
    if (!op || op !== rest || (ifExists && op === "Null")) return null;
    return {qualifier: qualifier, op: op, ifExists: ifExists};
  }
  function valuesText(value) { return asList(value).map(String).join("\n"); }
  function parseConditions(condition) {
    var rows = [];
    if (condition === undefined) return {rows: rows};
    if (!condition || typeof condition !== "object" || Array.isArray(condition)) return {reason: "This statement's Condition is not a JSON object."};
    var ops = Object.keys(condition);
    for (var i = 0; i < ops.length; i++) {
      var parsed = parseOperator(ops[i]);
      if (!parsed) return {reason: "This statement uses the condition operator \"" + ops[i] + "\", which the visual editor can't show."};
      var block = condition[ops[i]];
      if (!block || typeof block !== "object" || Array.isArray(block)) return {reason: "The condition operator \"" + ops[i] + "\" does not hold a JSON object."};
      var keys = Object.keys(block);
      if (!keys.length) return {reason: "The condition operator \"" + ops[i] + "\" names no condition key."};
      for (var k = 0; k < keys.length; k++) {
        var value = block[keys[k]];
        if (!asList(value).every(isScalar) || (Array.isArray(value) && !value.length)) {
          return {reason: "The values of the condition key \"" + keys[k] + "\" are not strings, numbers or booleans."};
        }
        rows.push({qualifier: parsed.qualifier, op: parsed.op, ifExists: parsed.ifExists, key: keys[k],
                   text: valuesText(value), raw: {operator: ops[i], key: keys[k], value: value}});
      }
    }
    return {rows: rows};
  }
  function modelStatement(raw, svc, checked) {
    var st = {raw: raw, dirty: false, sid: raw.Sid, effect: raw.Effect, prefix: checked.prefix, svc: svc,
              all: false, actions: [], conditions: checked.conditions, allResources: false, arns: []};
    asList(raw.Action).forEach(function (a) {
      var name = a.slice(a.indexOf(":") + 1);
      if (name === "*") { st.all = true; return; }
      var info = svc.byLower[name.toLowerCase()];
      if (info && st.actions.indexOf(info.name) < 0) st.actions.push(info.name);
    });
    asList(raw.Resource).forEach(function (r) {
      if (r === "*") st.allResources = true;
      else if (st.arns.indexOf(r) < 0) st.arns.push(r);
    });
    if (!asList(raw.Resource).length) st.allResources = false;
    return st;
  }
  function unknownActions(raw, svc) {
    var unknown = [];
    asList(raw.Action).forEach(function (a) {
      var name = a.slice(a.indexOf(":") + 1);
      if (name !== "*" && !svc.byLower[name.toLowerCase()]) unknown.push(a);
    });
    return unknown;
  }
  // Parse the textarea. Resolves to {doc, statements} or rejects with a message.
  function parseDocument(text, base) {
    var doc;
    if (!text.trim()) doc = {Version: "2012-10-17", Statement: []};
    else {
      try { doc = JSON.parse(text); } catch (e) {
        return Promise.reject(new Error("The policy has JSON syntax errors. Fix them in the JSON tab to use the visual editor."));
      }
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
      return Promise.reject(new Error("The policy is not a JSON object. Fix it in the JSON tab to use the visual editor."));
    }
    var raws = doc.Statement === undefined ? [] : asList(doc.Statement);
    return loadList(base).then(function (list) {
      return Promise.all(raws.map(function (raw) {
        var checked = structural(raw);
        if (checked.reason) return {raw: raw, reason: checked.reason};
        if (!checked.prefix) return {raw: raw, dirty: false, sid: raw.Sid, effect: raw.Effect, prefix: null, svc: null, all: false,
                                     actions: [], conditions: checked.conditions, allResources: asList(raw.Resource).indexOf("*") >= 0,
                                     arns: asList(raw.Resource).filter(function (r) { return r !== "*"; })};
        if (!list.byPrefix[checked.prefix]) return {raw: raw, reason: "The visual editor doesn't know the service \"" + checked.prefix + "\"."};
        return loadService(base, checked.prefix).then(function (svc) {
          if (!svc) return {raw: raw, reason: "The visual editor doesn't know the service \"" + checked.prefix + "\"."};
          var unknown = unknownActions(raw, svc);
          if (unknown.length) return {raw: raw, reason: "The visual editor doesn't know the action \"" + unknown[0] + "\"."};
          return modelStatement(raw, svc, checked);
        });
      })).then(function (statements) { return {doc: doc, list: list, statements: statements}; });
    });
  }

  // --- Writing the model back ------------------------------------------------------------
  function conditionValue(row) {
    if (row.raw && row.raw.key === row.key && row.text === valuesText(row.raw.value) &&
        row.raw.operator === operatorName(row)) return row.raw.value;
    var values = row.text.split("\n").map(function (v) { return v.trim(); }).filter(function (v) { return v !== ""; });
    return one(values);
  }
  function operatorName(row) {
    return (row.qualifier ? row.qualifier + ":" : "") + row.op + (row.ifExists && row.op !== "Null" ? "IfExists" : "");
  }
  function emitStatement(st) {
    if (st.reason || !st.dirty) return st.raw;
    var out = {};
    if (st.sid !== undefined) out.Sid = st.sid;
    out.Effect = st.effect;
    if (!st.prefix) out.Action = [];
    else if (st.all) out.Action = st.prefix + ":*";
    else out.Action = one(st.actions.map(function (n) { return st.prefix + ":" + n; }));
    if (st.allResources) out.Resource = "*";
    else out.Resource = st.arns.length === 1 ? st.arns[0] : st.arns.slice();
    var condition = {};
    st.conditions.forEach(function (row) {
      if (!row.key.trim()) return;
      var op = operatorName(row);
      condition[op] = condition[op] || {};
      var value = conditionValue(row);
      var prior = condition[op][row.key.trim()];
      condition[op][row.key.trim()] = prior === undefined ? value : asList(prior).concat(asList(value));
    });
    if (Object.keys(condition).length) out.Condition = condition;
    return out;
  }
  function emitDocument(model) {
    var out = {}, seen = false;
    Object.keys(model.doc).forEach(function (k) {
      if (k === "Statement") { out.Statement = model.statements.map(emitStatement); seen = true; }
      else out[k] = model.doc[k];
    });
    if (!seen) out.Statement = model.statements.map(emitStatement);
    return JSON.stringify(out, null, 4);
  }

  // --- The editor -----------------------------------------------------------------------
  function setup(editor) {
    var textarea = editor.querySelector("textarea[data-policy-editor]");
    var panel = editor.querySelector("[data-ve-panel]");
    var main = editor.querySelector(".editor-main");
    var tabs = editor.previousElementSibling && editor.previousElementSibling.previousElementSibling;
    var error = editor.previousElementSibling;
    var base = editor.getAttribute("data-service-url");
    var kind = editor.getAttribute("data-kind");
    if (!textarea || !panel || !tabs || !tabs.hasAttribute("data-ve-tabs") || !base || !window.fetch || !window.Promise) return;
    if (kind === "trust" || kind === "resource") return;  // their Principal is not the visual editor's
    var tabVisual = tabs.querySelector("[data-ve-tab=visual]");
    var tabJson = tabs.querySelector("[data-ve-tab=json]");
    main.setAttribute("role", "tabpanel");
    main.setAttribute("aria-labelledby", tabJson.id);
    tabs.hidden = false;
    var model = null;
    var current = "json";

    function select(which, focus) {
      current = which;
      tabVisual.setAttribute("aria-selected", String(which === "visual"));
      tabJson.setAttribute("aria-selected", String(which === "json"));
      tabVisual.tabIndex = which === "visual" ? 0 : -1;
      tabJson.tabIndex = which === "json" ? 0 : -1;
      panel.hidden = which !== "visual";
      main.hidden = which !== "json";
      editor.classList.toggle("ve-visual", which === "visual");
      if (focus) (which === "visual" ? tabVisual : tabJson).focus();
    }
    function showVisual(focus) {
      error.hidden = true;
      panel.setAttribute("aria-busy", "true");
      parseDocument(textarea.value, base).then(function (parsed) {
        model = parsed;
        if (!model.statements.length) model.statements.push(blank());
        panel.removeAttribute("aria-busy");
        render();
        select("visual", focus);
      }, function (e) {
        panel.removeAttribute("aria-busy");
        error.textContent = e.message;
        error.hidden = false;
        select("json", focus);
      });
    }
    tabVisual.addEventListener("click", function () { if (current !== "visual") showVisual(false); });
    tabJson.addEventListener("click", function () { select("json", false); });
    tabs.addEventListener("keydown", function (e) {
      var to = null;
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") to = current === "visual" ? "json" : "visual";
      else if (e.key === "Home") to = "visual";
      else if (e.key === "End") to = "json";
      if (!to) return;
      e.preventDefault();
      if (to === "visual") showVisual(true); else select("json", true);
    });

    function blank() {
      var used = {};
      if (model) model.statements.forEach(function (s) { if (s.raw && isString(s.raw.Sid)) used[s.raw.Sid] = 1; if (isString(s.sid)) used[s.sid] = 1; });
      var n = 0;
      while (used["VisualEditor" + n]) n += 1;
      return {raw: null, dirty: true, sid: "VisualEditor" + n, effect: "Allow", prefix: null, svc: null, all: false,
              actions: [], conditions: [], allResources: false, arns: []};
    }
    function commit(st) {
      if (st) st.dirty = true;
      textarea.value = emitDocument(model);
      textarea.dispatchEvent(new Event("input"));
    }

    function render() {
      panel.textContent = "";
      var list = el("div", {cls: "ve-statements"});
      model.statements.forEach(function (st, index) { list.appendChild(card(st, index)); });
      panel.appendChild(list);
      panel.appendChild(el("button", {type: "button", cls: "ve-add", text: "Add more permissions", on: {click: function () {
        model.statements.push(blank());
        commit(null);
        render();
        var cards = panel.querySelectorAll(".ve-card");
        var search = cards[cards.length - 1].querySelector("input[type=search]");
        if (search) search.focus();
      }}}));
    }

    function card(st, index) {
      var headingId = nextId("st");
      var section = el("section", {cls: "ve-card" + (st.reason ? " ve-json-only" : ""), "aria-labelledby": headingId});
      var title = st.reason ? "Statement " + (index + 1) + " (JSON)" :
        "Statement " + (index + 1) + ": " + (st.svc ? st.svc.name : "Select a service");
      var header = el("div", {cls: "ve-card-head"}, [el("h3", {id: headingId, text: title})]);
      if (model.statements.length > 1) {
        header.appendChild(el("button", {type: "button", cls: "ve-remove", text: "Remove",
          "aria-label": "Remove statement " + (index + 1), on: {click: function () {
            model.statements.splice(model.statements.indexOf(st), 1);
            commit(null);
            render();
          }}}));
      }
      section.appendChild(header);
      if (st.reason) {
        section.appendChild(el("p", {cls: "ve-note", text: st.reason + KEPT}));
        section.appendChild(el("pre", {cls: "ve-json", text: JSON.stringify(st.raw, null, 4)}));
        return section;
      }
      section.appendChild(effectField(st));
      var body = el("div", {cls: "ve-body"});
      section.appendChild(body);
      function refresh() {
        body.textContent = "";
        header.querySelector("h3").textContent = "Statement " + (model.statements.indexOf(st) + 1) + ": " + (st.svc ? st.svc.name : "Select a service");
        body.appendChild(serviceField(st, refresh));
        if (!st.svc) {
          if (st.arns.length || st.allResources || st.conditions.length) {
            body.appendChild(resourcesField(st));
            body.appendChild(conditionsField(st));
          }
          return;
        }
        var resources = el("div");
        var conditions = el("div");
        function refreshDependent() {
          resources.textContent = ""; resources.appendChild(resourcesField(st));
          var keys = conditions.querySelector("datalist");
          if (keys) fillKeys(keys, st); else { conditions.textContent = ""; conditions.appendChild(conditionsField(st)); }
        }
        body.appendChild(actionsField(st, refreshDependent));
        body.appendChild(resources);
        body.appendChild(conditions);
        refreshDependent();
      }
      refresh();
      return section;
    }

    function effectField(st) {
      var name = nextId("effect");
      var fs = el("fieldset", {cls: "ve-effect"}, [el("legend", {text: "Effect"})]);
      ["Allow", "Deny"].forEach(function (value) {
        fs.appendChild(el("label", {cls: "ve-inline"}, [el("input", {type: "radio", name: name, value: value, checked: st.effect === value,
          on: {change: function () {
            st.effect = value; commit(st);
            var legend = fs.parentNode.querySelector(".ve-actions legend");
            if (legend) legend.textContent = value === "Allow" ? "Actions allowed" : "Actions denied";
          }}}), " " + value]));
      });
      return fs;
    }

    function serviceField(st, refresh) {
      var wrap = el("div", {cls: "ve-service"});
      var labelId = nextId("svc");
      if (st.svc) {
        wrap.appendChild(el("p", {}, [el("span", {cls: "ve-label", text: "Service "}),
          el("strong", {text: st.svc.name}), " ", el("code", {text: st.svc.prefix}), " ",
          el("button", {type: "button", cls: "ve-link", text: "Change service", on: {click: function () {
            st.svc = null; st.prefix = null; st.all = false; st.actions = []; st.arns = []; st.allResources = false;
            commit(st); refresh();
            var search = wrap.parentNode && wrap.parentNode.querySelector("input[type=search]");
            if (search) search.focus();
          }}})]));
        return wrap;
      }
      var input = el("input", {type: "search", id: labelId, placeholder: "Search services", autocomplete: "off", cls: "ve-search"});
      var results = el("ul", {cls: "ve-service-list", "aria-label": "Services"});
      var status = el("p", {cls: "help", "aria-live": "polite"});
      wrap.appendChild(el("label", {"for": labelId, cls: "ve-label", text: "Choose a service"}));
      wrap.appendChild(input);
      wrap.appendChild(status);
      wrap.appendChild(results);
      function show() {
        loadList(base).then(function (list) {
          var q = input.value.trim().toLowerCase();
          var exact = [], matches = [];
          list.services.forEach(function (row) {
            var prefix = row[0], name = row[1].toLowerCase();
            if (!q) matches.push(row);
            else if (prefix === q) exact.push(row);
            else if (prefix.indexOf(q) >= 0 || name.indexOf(q) >= 0) matches.push(row);
          });
          matches = exact.concat(matches);
          results.textContent = "";
          var frag = document.createDocumentFragment();
          matches.slice(0, 40).forEach(function (row) {
            frag.appendChild(el("li", {}, [el("button", {type: "button", cls: "ve-service-option",
              on: {click: function () { choose(row[0]); }}}, [row[1] + " ", el("span", {cls: "ve-prefix", text: row[0]})])]));
          });
          results.appendChild(frag);
          status.textContent = !matches.length ? "No service matches." :
            matches.length > 40 ? "Showing 40 of " + matches.length + " services: keep typing to narrow the list." : matches.length + " services.";
        });
      }
      function choose(prefix) {
        status.textContent = "Loading…";
        loadService(base, prefix).then(function (svc) {
          if (!svc) { status.textContent = "The visual editor doesn't know this service."; return; }
          st.svc = svc; st.prefix = svc.prefix; st.all = false; st.actions = [];
          commit(st); refresh();
          var search = wrap.parentNode && wrap.parentNode.querySelector(".ve-actions input[type=search]");
          if (search) search.focus();
        }, function (e) { status.textContent = e.message; });
      }
      input.addEventListener("input", show);
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); var first = results.querySelector("button"); if (first) first.click(); }
      });
      show();
      return wrap;
    }

    function actionsField(st, changed) {
      var svc = st.svc;
      var fs = el("fieldset", {cls: "ve-actions"}, [el("legend", {text: st.effect === "Allow" ? "Actions allowed" : "Actions denied"})]);
      var allBox = el("input", {type: "checkbox", checked: st.all});
      fs.appendChild(el("label", {cls: "ve-all"}, [allBox, " All " + svc.name + " actions (" + svc.prefix + ":*)"]));
      var filterId = nextId("filter");
      var filter = el("input", {type: "search", id: filterId, placeholder: "Filter actions", cls: "ve-search", autocomplete: "off"});
      fs.appendChild(el("label", {"for": filterId, cls: "ve-label", text: "Filter actions"}));
      fs.appendChild(filter);
      var groupsBox = el("fieldset", {cls: "ve-levels", disabled: st.all}, [el("legend", {cls: "ve-sr", text: "Access levels"})]);
      fs.appendChild(groupsBox);
      var selected = {};
      st.actions.forEach(function (n) { selected[n] = 1; });
      var groups = [];
      svc.levels.forEach(function (actions, level) {
        if (!actions.length) return;
        var levelName = LEVEL_NAMES[level];
        var details = el("details", {cls: "ve-level"});
        var count = el("span", {cls: "ve-count"});
        details.appendChild(el("summary", {}, [el("span", {text: levelName}), " ", count]));
        var levelAll = el("input", {type: "checkbox"});
        details.appendChild(el("label", {cls: "ve-level-all"}, [levelAll, " All " + levelName + " actions"]));
        var ul = el("ul", {cls: "ve-action-list"});
        details.appendChild(ul);
        var group = {details: details, ul: ul, count: count, levelAll: levelAll, actions: actions, boxes: null, name: levelName};
        groups.push(group);
        details.addEventListener("toggle", function () { if (details.open) fill(group); });
        levelAll.addEventListener("change", function () {
          actions.forEach(function (a) { if (levelAll.checked) selected[a.name] = 1; else delete selected[a.name]; });
          if (group.boxes) group.boxes.forEach(function (b) { b.checked = levelAll.checked; });
          update();
        });
        groupsBox.appendChild(details);
      });
      function fill(group) {
        if (group.boxes) return;
        group.boxes = [];
        var frag = document.createDocumentFragment();
        group.actions.forEach(function (a) {
          var box = el("input", {type: "checkbox", value: a.name, checked: !!selected[a.name]});
          group.boxes.push(box);
          frag.appendChild(el("li", {"data-name": a.name.toLowerCase()}, [el("label", {}, [box, " " + a.name])]));
        });
        group.ul.appendChild(frag);
        group.ul.addEventListener("change", function (e) {
          var box = e.target;
          if (box.checked) selected[box.value] = 1; else delete selected[box.value];
          update();
        });
        applyFilter(group);
      }
      function applyFilter(group) {
        var q = filter.value.trim().toLowerCase();
        var shown = 0;
        Array.prototype.forEach.call(group.ul.children, function (li) {
          var hit = !q || li.getAttribute("data-name").indexOf(q) >= 0;
          li.hidden = !hit; if (hit) shown += 1;
        });
        return shown;
      }
      function counts() {
        groups.forEach(function (g) {
          var n = 0;
          g.actions.forEach(function (a) { if (selected[a.name]) n += 1; });
          g.count.textContent = "(" + (n ? n + " of " : "") + g.actions.length + (n ? " selected" : "") + ")";
          g.levelAll.checked = n === g.actions.length;
          g.levelAll.indeterminate = n > 0 && n < g.actions.length;
        });
      }
      function update() {
        // Keep the catalogue's order (by access level, then name) in the JSON.
        st.actions = svc.actions.filter(function (a) { return selected[a.name]; }).map(function (a) { return a.name; });
        counts();
        commit(st);
        changed();
      }
      allBox.addEventListener("change", function () {
        st.all = allBox.checked; groupsBox.disabled = st.all;
        commit(st); changed();
      });
      filter.addEventListener("input", function () {
        var q = filter.value.trim().toLowerCase();
        groups.forEach(function (g) {
          if (!q) { g.details.hidden = false; if (g.boxes) applyFilter(g); return; }
          var matches = g.actions.some(function (a) { return a.name.toLowerCase().indexOf(q) >= 0; });
          g.details.hidden = !matches;
          if (matches) { fill(g); applyFilter(g); g.details.open = true; }
        });
      });
      counts();
      // Groups holding chosen actions open, so what the statement grants is in view.
      groups.forEach(function (g) {
        if (!st.all && g.actions.some(function (a) { return selected[a.name]; })) { fill(g); g.details.open = true; }
      });
      return fs;
    }

    // Resource types of the chosen actions (every type of the service for "All actions").
    function typesOf(st) {
      var names = [], required = {};
      if (!st.svc) return names;
      var actions = st.all ? st.svc.actions : st.actions.map(function (n) { return st.svc.byLower[n.toLowerCase()]; });
      actions.forEach(function (a) {
        if (!a) return;
        a.types.forEach(function (t) {
          if (names.indexOf(t[0]) < 0) names.push(t[0]);
          if (t[1]) required[t[0]] = 1;
        });
      });
      var types = [];
      names.forEach(function (n) {
        types.push({name: n, arn: st.svc.resources[n], required: !!required[n]});
        // Each further ARN format of the type is a row of its own ("Stage (format 2)").
        (st.svc.moreArns[n] || []).forEach(function (arn, i) {
          types.push({name: n + " (format " + (i + 2) + ")", arn: arn, required: !!required[n]});
        });
      });
      return types.filter(function (t) { return !!t.arn; });
    }
    function classify(st, types) {
      var byType = {}, other = [];
      var order = types.slice().sort(function (a, b) { return literalLength(b.arn) - literalLength(a.arn); });
      types.forEach(function (t) { byType[t.name] = []; });
      st.arns.forEach(function (arn) {
        var t = order.find(function (type) { return arnFits(arn, type.arn); });
        if (t) byType[t.name].push(arn); else other.push(arn);
      });
      return {byType: byType, other: other};
    }

    function resourcesField(st) {
      var fs = el("fieldset", {cls: "ve-resources"}, [el("legend", {text: "Resources"})]);
      var name = nextId("res");
      var body = el("div", {cls: "ve-resource-body"});
      ["all", "specific"].forEach(function (value) {
        fs.appendChild(el("label", {cls: "ve-inline"}, [el("input", {type: "radio", name: name, value: value,
          checked: (value === "all") === st.allResources, on: {change: function () {
            st.allResources = value === "all"; commit(st); draw();
          }}}), value === "all" ? " All resources" : " Specific"]));
      });
      fs.appendChild(body);
      function draw() {
        body.textContent = "";
        if (st.allResources) {
          body.appendChild(el("p", {cls: "help", text: "The statement applies to every resource (\"Resource\": \"*\")."}));
          return;
        }
        var types = typesOf(st);
        var sorted = classify(st, types);
        if (!types.length) {
          body.appendChild(el("p", {cls: "help", text: st.svc && (st.all || st.actions.length) ?
            "The chosen actions support all resources only: choose All resources." : "Choose actions to see their resource types."}));
        }
        types.forEach(function (t) { body.appendChild(typeRow(st, t, sorted.byType[t.name], draw)); });
        body.appendChild(otherRow(st, sorted.other, draw));
      }
      draw();
      return fs;
    }

    function arnItem(st, arn, draw) {
      return el("li", {}, [el("code", {text: arn}), " ", el("button", {type: "button", cls: "ve-link", text: "Remove",
        "aria-label": "Remove " + arn, on: {click: function () {
          st.arns.splice(st.arns.indexOf(arn), 1); commit(st); draw();
        }}})]);
    }
    function toggleArn(st, arn, on, draw) {
      var at = st.arns.indexOf(arn);
      if (on && at < 0) st.arns.push(arn);
      if (!on && at >= 0) st.arns.splice(at, 1);
      commit(st); draw();
    }
    function typeRow(st, type, arns, draw) {
      var box = el("div", {cls: "ve-type", role: "group", "aria-label": type.name});
      box.appendChild(el("h4", {}, [type.name, type.required ? el("span", {cls: "ve-required", text: " (required)"}) : null]));
      box.appendChild(el("p", {cls: "help mono ve-format", text: type.arn}));
      var list = el("ul", {cls: "ve-arns"});
      arns.forEach(function (arn) { list.appendChild(arnItem(st, arn, draw)); });
      box.appendChild(list);
      var account = model.list.account;
      var inAccount = anyArn(type.arn, account);
      var any = anyArn(type.arn, "*");
      var actions = el("div", {cls: "ve-row"});
      var adder = el("button", {type: "button", text: "Add ARN", "aria-label": "Add ARN for " + type.name});
      actions.appendChild(adder);
      if (type.arn.indexOf("${Account}") >= 0 && account) {
        actions.appendChild(el("label", {cls: "ve-inline"}, [el("input", {type: "checkbox", checked: st.arns.indexOf(inAccount) >= 0,
          "aria-label": "Any in this account (" + type.name + ")",
          on: {change: function (e) { toggleArn(st, inAccount, e.target.checked, draw); }}}), " Any in this account"]));
      }
      actions.appendChild(el("label", {cls: "ve-inline"}, [el("input", {type: "checkbox", checked: st.arns.indexOf(any) >= 0,
        "aria-label": "Any (" + type.name + ")", on: {change: function (e) { toggleArn(st, any, e.target.checked, draw); }}}), " Any"]));
      box.appendChild(actions);
      adder.addEventListener("click", function () {
        adder.disabled = true;
        var form = builder(st, type, draw, function () { adder.disabled = false; adder.focus(); });
        box.appendChild(form);
        form.focusFirst();
      });
      return box;
    }

    // The ARN builder: one field per ${Part} of the format, each with "Any", and a preview.
    function builder(st, type, draw, closed) {
      var form = el("div", {cls: "ve-builder", role: "group", "aria-label": "Specify ARN for " + type.name});
      var fields = {}, order = [];
      arnPieces(type.arn).forEach(function (p) {
        if (p.field === undefined || fields[p.field]) return;
        var id = nextId("arnpart");
        var preset = p.field === "Partition" ? "aws" : p.field === "Account" ? (model.list.account || "") : "";
        var input = el("input", {type: "text", id: id, value: preset, autocomplete: "off", spellcheck: "false"});
        var anyBox = el("input", {type: "checkbox"});
        fields[p.field] = {input: input, any: anyBox};
        order.push(p.field);
        anyBox.addEventListener("change", function () { input.disabled = anyBox.checked; preview(); });
        input.addEventListener("input", preview);
        form.appendChild(el("div", {cls: "ve-part"}, [el("label", {"for": id, text: p.field}), input,
          p.field === "Partition" ? null : el("label", {cls: "ve-inline"}, [anyBox, " Any " + p.field.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()])]));
      });
      var out = el("output", {cls: "mono ve-preview", "aria-live": "polite"});
      form.appendChild(el("p", {}, [el("span", {cls: "ve-label", text: "Resource ARN "}), out]));
      var add = el("button", {type: "button", cls: "primary", text: "Add ARNs"});
      var cancel = el("button", {type: "button", text: "Cancel"});
      form.appendChild(el("div", {cls: "ve-row"}, [add, cancel]));
      function value() {
        var values = {};
        order.forEach(function (f) { values[f] = fields[f].any.checked ? "*" : fields[f].input.value.trim(); });
        return buildArn(type.arn, values, true);  // a part still empty shows as ${Part}
      }
      function complete() { return order.every(function (f) { return fields[f].any.checked || fields[f].input.value.trim(); }); }
      function preview() { out.textContent = value(); add.disabled = !complete(); }
      add.addEventListener("click", function () {
        if (!complete()) return;
        var arn = value();
        if (st.arns.indexOf(arn) < 0) st.arns.push(arn);
        commit(st); draw();
      });
      cancel.addEventListener("click", function () { form.remove(); closed(); });
      preview();
      // Called once the form is in the page: focus the first part still to fill.
      form.focusFirst = function () {
        var first = order.filter(function (f) { return !fields[f].input.value; })[0] || order[0];
        if (first) fields[first].input.focus();
      };
      return form;
    }

    function otherRow(st, arns, draw) {
      var box = el("div", {cls: "ve-type ve-other", role: "group", "aria-label": "Other resource ARNs"});
      if (arns.length) {
        box.appendChild(el("h4", {text: "Other ARNs"}));
        var list = el("ul", {cls: "ve-arns"});
        arns.forEach(function (arn) { list.appendChild(arnItem(st, arn, draw)); });
        box.appendChild(list);
      }
      var id = nextId("otherarn");
      var input = el("input", {type: "text", id: id, placeholder: "arn:aws:…", spellcheck: "false", autocomplete: "off"});
      var add = el("button", {type: "button", text: "Add"});
      box.appendChild(el("label", {"for": id, cls: "ve-label", text: "Add a resource ARN by hand"}));
      box.appendChild(el("div", {cls: "ve-row"}, [input, add]));
      function addIt() {
        var arn = input.value.trim();
        if (!arn) return;
        if (st.arns.indexOf(arn) < 0) st.arns.push(arn);
        commit(st); draw();
      }
      add.addEventListener("click", addIt);
      input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); addIt(); } });
      return box;
    }

    // Keys the chosen actions support (and their resource types'), the service's, the global ones.
    function keysFor(st) {
      var keys = [], seen = {};
      function add(k) { if (!seen[k.toLowerCase()]) { seen[k.toLowerCase()] = 1; keys.push(k); } }
      if (st.svc) {
        var actions = st.all ? st.svc.actions : st.actions.map(function (n) { return st.svc.byLower[n.toLowerCase()]; });
        actions.forEach(function (a) { if (a) a.keys.forEach(add); });
      }
      model.list.globalKeys.forEach(function (row) { add(row[0]); });
      return keys;
    }
    function fillKeys(datalist, st) {
      datalist.textContent = "";
      var frag = document.createDocumentFragment();
      keysFor(st).forEach(function (k) { frag.appendChild(el("option", {value: k})); });
      datalist.appendChild(frag);
    }

    function conditionsField(st) {
      var fs = el("fieldset", {cls: "ve-conditions"}, [el("legend", {text: "Request conditions"})]);
      var listId = nextId("keys");
      var datalist = el("datalist", {id: listId});
      fillKeys(datalist, st);
      fs.appendChild(datalist);
      var rows = el("div", {cls: "ve-condition-rows"});
      fs.appendChild(rows);
      function draw() {
        rows.textContent = "";
        if (!st.conditions.length) rows.appendChild(el("p", {cls: "help", text: "No conditions: the statement applies to every request for its actions and resources."}));
        st.conditions.forEach(function (row, i) { rows.appendChild(conditionRow(st, row, i, listId, draw)); });
      }
      fs.appendChild(el("button", {type: "button", text: "Add condition", on: {click: function () {
        st.conditions.push({qualifier: "", op: "StringEquals", ifExists: false, key: "", text: "", raw: null});
        draw();
        var inputs = rows.querySelectorAll("input[list]");
        if (inputs.length) inputs[inputs.length - 1].focus();
      }}}));
      draw();
      return fs;
    }

    function conditionRow(st, row, i, listId, draw) {
      var n = i + 1;
      var box = el("div", {cls: "ve-condition", role: "group", "aria-label": "Condition " + n});
      var keyId = nextId("ckey"), qualId = nextId("cqual"), opId = nextId("cop"), valId = nextId("cval");
      var key = el("input", {type: "text", id: keyId, list: listId, value: row.key, autocomplete: "off", spellcheck: "false"});
      var qualifier = el("select", {id: qualId});
      QUALIFIERS.forEach(function (q) { qualifier.appendChild(el("option", {value: q[0], text: q[1]})); });
      qualifier.value = row.qualifier;
      var op = el("select", {id: opId});
      FAMILIES.forEach(function (f) {
        var group = el("optgroup", {label: f[0]});
        f[1].forEach(function (name) { group.appendChild(el("option", {value: name, text: name})); });
        op.appendChild(group);
      });
      op.value = row.op;
      var ifExists = el("input", {type: "checkbox", checked: row.ifExists, disabled: row.op === "Null"});
      var values = el("textarea", {id: valId, rows: "2", spellcheck: "false", value: row.text});
      var hint = el("p", {cls: "help", id: nextId("chint")});
      function hintText() {
        hint.textContent = row.op === "Null" ? "One value per line: true (the key is absent) or false (present)." :
          row.op === "Bool" ? "One value per line: true or false." : "One value per line.";
      }
      hintText();
      values.setAttribute("aria-describedby", hint.id);
      function changed() {
        row.key = key.value; row.qualifier = qualifier.value; row.op = op.value;
        if (row.op === "Null") { ifExists.checked = false; ifExists.disabled = true; } else ifExists.disabled = false;
        row.ifExists = ifExists.checked; row.text = values.value;
        hintText();
        commit(st);
      }
      [key, values].forEach(function (c) { c.addEventListener("input", changed); });
      [qualifier, op, ifExists].forEach(function (c) { c.addEventListener("change", changed); });
      box.appendChild(el("div", {cls: "ve-grid"}, [
        el("div", {}, [el("label", {"for": keyId, text: "Condition key"}), key]),
        el("div", {}, [el("label", {"for": qualId, text: "Qualifier"}), qualifier]),
        el("div", {}, [el("label", {"for": opId, text: "Operator"}), op,
          el("label", {cls: "ve-inline"}, [ifExists, " If exists"])]),
        el("div", {}, [el("label", {"for": valId, text: "Value"}), values, hint])
      ]));
      box.appendChild(el("button", {type: "button", cls: "ve-link", text: "Remove condition", "aria-label": "Remove condition " + n,
        on: {click: function () { st.conditions.splice(st.conditions.indexOf(row), 1); commit(st); draw(); }}}));
      return box;
    }
  }

  var LEVEL_NAMES = ["List", "Read", "Write", "Permissions management", "Tagging"];

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".policy-editor"), setup);
  });
})();
