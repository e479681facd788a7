/* summarizer's reading site: one day at a time, search across every day, preferences kept in the browser.
 *
 * Data comes as script files (data/manifest.js, data/days/D.js, data/search/YYYY-MM.js), so the site works
 * opened from disk (file://, where fetch() of local files is refused) and from any static host. Nothing is
 * requested from outside the site's folder. Text is always set with textContent; the only HTML inserted is
 * KaTeX's rendering of math, and KaTeX itself is loaded only when the day on screen has math.
 */
(function () {
  "use strict";

  var M = window.SITE_MANIFEST;
  var SITE = (window.SITE = window.SITE || {});
  var LABELS = {
    en: {search: "Search", searchAll: "Search every day", prefs: "Preferences", keywords: "Keywords",
      authors: "Authors", save: "Save", clear: "Clear", all: "All", prev: "Previous day", next: "Next day",
      date: "Day", papers: "papers", details: "Details", motivation: "Motivation", method: "Method",
      result: "Result", conclusion: "Conclusion", abstract: "Abstract", comment: "Comment", pending:
      "Summary not available yet.", results: "results", searching: "Searching", noResults: "No results.",
      more: "more results not shown: refine the search.", back: "Back to the day", permalink: "Link to this paper",
      commaHint: "comma-separated", matched: "Matches your preferences", empty: "No days yet.", forYou: "For you",
      digestOrder: "Digest order", like: "Like", liked: "Liked", exportLikes: "Export likes", moreLike: "More like this",
      newest: "Newest first", relevance: "Most relevant", sort: "Sort", listed: "Listed, not summarized",
      notFound: "not found in the source", evidence: "Show where the paper says it", notForMe: "Not for me",
      notForMeHint: "Exported with the likes: papers like this one rank lower",
      source: {abstract: "from the abstract", html: "from the full text (HTML)", tex: "from the full text (TeX)"}},
    zh: {search: "搜索", searchAll: "搜索全部日期", prefs: "偏好设置", keywords: "关键词", authors: "作者",
      save: "保存", clear: "清除", all: "全部", prev: "前一天", next: "后一天", date: "日期", papers: "篇论文",
      details: "详情", motivation: "动机", method: "方法", result: "结果", conclusion: "结论", abstract: "摘要",
      comment: "备注", pending: "尚无摘要。", results: "条结果", searching: "正在搜索", noResults: "没有结果。",
      more: "条结果未显示，请缩小搜索范围。", back: "返回当天", permalink: "本文链接", commaHint: "用逗号分隔",
      matched: "符合你的偏好", empty: "还没有内容。", forYou: "为你推荐", digestOrder: "摘要顺序", like: "喜欢",
      liked: "已喜欢", exportLikes: "导出喜欢", moreLike: "更多相似", newest: "最新", relevance: "最相关", sort: "排序",
      listed: "仅列出，未摘要", notForMe: "不感兴趣", notForMeHint: "与喜欢一起导出：类似的论文会排得更靠后",
      notFound: "not found in the source（原文中未找到）", evidence: "查看原文出处",
      source: {abstract: "据摘要", html: "据全文（HTML）", tex: "据全文（TeX）"}}
  };
  var L = LABELS[(M && M.lang || "en").slice(0, 2)] || LABELS.en;
  var MAX_RESULTS = 400;
  var state = {day: null, data: null, category: "all", prefs: {kw: [], au: []}, query: "", token: 0,
    katex: null, katexWanted: false, order: "foryou", searchSort: "newest"};
  var days = {};     // date -> payload, as day scripts arrive
  var shards = {};   // month -> prepared rows
  var waiting = {};  // script src -> [resolve, reject]

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function loadScript(src) {
    if (waiting[src]) return waiting[src].promise;
    var entry = {};
    entry.promise = new Promise(function (resolve, reject) {
      var s = el("script", {src: src});
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(s);
    });
    waiting[src] = entry;
    return entry.promise;
  }

  var KEYS = (M && M.keys) || {};
  function expand(row) {  // a day's row by the manifest's key table (core/site/pages.py ROW_KEYS): full names
    var out = {};
    Object.keys(KEYS).forEach(function (name) { if (row[KEYS[name]] !== undefined) out[name] = row[KEYS[name]]; });
    return out;
  }
  var inflating = {};  // packed day or month -> the promise of its data

  function inflate(b64) {  // older days and months come gzipped in base64 (half the bytes): inflated here
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  SITE.day = function (date, payload) { days[date] = {papers: payload.papers.map(expand)}; };
  SITE.dayz = function (date, b64) { inflating["d" + date] = inflate(b64).then(function (p) { SITE.day(date, p); }); };
  SITE.shard = function (month, rows) {
    shards[month] = rows.map(function (r) {
      return {r: r, t: r[2].toLowerCase(), a: r[3].toLowerCase(), c: r[4].toLowerCase(), s: r[5].toLowerCase()};
    });
  };
  SITE.shardz = function (month, b64) {
    inflating["m" + month] = inflate(b64).then(function (rows) { SITE.shard(month, rows); });
  };

  /* ---------- text: math (KaTeX, when loaded) and highlighted terms ---------- */

  var MATH = /\$\$([^$]+?)\$\$|\$([^$\n]+?)\$/g;

  function hasMath(text) { return typeof text === "string" && /\$[^$\n]+\$/.test(text); }

  function appendMarked(parent, text, terms) {
    if (!terms.length || !text) { parent.appendChild(document.createTextNode(text)); return; }
    var lower = text.toLowerCase(), pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      terms.forEach(function (t) {
        var i = lower.indexOf(t, pos);
        if (i >= 0 && (best < 0 || i < best || (i === best && t.length > len))) { best = i; len = t.length; }
      });
      if (best < 0) { parent.appendChild(document.createTextNode(text.slice(pos))); return; }
      if (best > pos) parent.appendChild(document.createTextNode(text.slice(pos, best)));
      parent.appendChild(el("mark", null, text.slice(best, best + len)));
      pos = best + len;
    }
  }

  function rich(parent, text, terms) {
    text = text || "";
    if (!hasMath(text)) { appendMarked(parent, text, terms); return parent; }
    state.katexWanted = true;
    var last = 0, m;
    MATH.lastIndex = 0;
    while ((m = MATH.exec(text)) !== null) {
      appendMarked(parent, text.slice(last, m.index), terms);
      var tex = m[1] !== undefined ? m[1] : m[2];
      if (state.katex) {
        var span = el("span", {"class": "math"});
        // maxSize/maxExpand: a record's \rule{9999em}{1em} or a macro loop must not flood the page.
        span.innerHTML = state.katex.renderToString(tex, {displayMode: m[1] !== undefined, throwOnError: false,
          maxSize: 20, maxExpand: 100});
        parent.appendChild(span);
      } else {
        parent.appendChild(document.createTextNode(m[0]));
      }
      last = m.index + m[0].length;
    }
    appendMarked(parent, text.slice(last), terms);
    return parent;
  }

  // The faithfulness gate's finding on a field: an unsupported number marked, each found number a button that
  // shows the sentence the paper states it in (one click to check any figure).
  function checked(parent, text, terms, ck, field) {
    var spans = [];
    ((ck && ck.u) || []).forEach(function (m) { if (m[0] === field) spans.push({at: m[1], n: m[2], bad: true}); });
    ((ck && ck.e) || []).forEach(function (m) { if (m[0] === field) spans.push({at: m[1], n: m[2], ev: m[3]}); });
    spans.sort(function (a, b) { return a.at - b.at; });
    var pos = 0;
    text = text || "";
    spans.forEach(function (s) {
      if (s.at < pos || text.substr(s.at, s.n.length) !== s.n) return;
      rich(parent, text.slice(pos, s.at), terms);
      if (s.bad) {
        parent.appendChild(el("span", {"class": "unsupported", title: L.notFound}, s.n));
      } else {
        var quote = el("q", {"class": "evidence-text", hidden: "hidden"}, s.ev);
        var button = el("button", {type: "button", "class": "evidence", "aria-expanded": "false", title: L.evidence},
          s.n);
        button.onclick = function () {
          quote.hidden = !quote.hidden;
          button.setAttribute("aria-expanded", quote.hidden ? "false" : "true");
        };
        parent.appendChild(button);
        parent.appendChild(quote);
      }
      pos = s.at + s.n.length;
    });
    return rich(parent, text.slice(pos), terms);
  }

  function ensureKatex() {
    if (state.katex || !state.katexWanted || state.katexLoading) return;
    state.katexLoading = true;
    var css = el("link", {rel: "stylesheet", href: "assets/katex/katex.min.css"});
    document.head.appendChild(css);
    loadScript("assets/katex/katex.min.js").then(function () {
      state.katex = window.katex;
      rerender();
    }, function () { /* math stays as TeX source */ });
  }

  /* ---------- preferences (localStorage, or ?kw=&au= for this visit) ---------- */

  function splitList(text) {
    return (text || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function loadPrefs(params) {
    var saved = {kw: [], au: []};
    try {
      saved.kw = JSON.parse(localStorage.getItem("summarizer.keywords") || "[]");
      saved.au = JSON.parse(localStorage.getItem("summarizer.authors") || "[]");
    } catch (e) { /* a browser that keeps no storage: no saved preferences */ }
    state.prefs = {
      kw: params.has("kw") ? splitList(params.get("kw")) : saved.kw,
      au: params.has("au") ? splitList(params.get("au")) : saved.au
    };
    state.prefsFromUrl = params.has("kw") || params.has("au");
  }

  function savePrefs(kw, au) {
    state.prefs = {kw: kw, au: au};
    state.prefsFromUrl = false;
    try {
      localStorage.setItem("summarizer.keywords", JSON.stringify(kw));
      localStorage.setItem("summarizer.authors", JSON.stringify(au));
    } catch (e) { /* kept for this visit only */ }
  }

  function prefMatch(p) {
    var kw = state.prefs.kw.map(lc), au = state.prefs.au.map(lc), hits = [];
    var text = lc((p.title || "") + " " + (p.tldr || "") + " " + (p.abstract || ""));
    var authors = lc((p.authors || []).join(", "));
    kw.forEach(function (k) { if (k && text.indexOf(k) >= 0) hits.push(k); });
    au.forEach(function (a) { if (a && authors.indexOf(a) >= 0) hits.push(a); });
    return hits;
  }

  function lc(s) { return String(s || "").toLowerCase(); }

  function decodeHash(text) {  // a hand-typed #p-%E0 is not valid percent-encoding: taken as it is
    try { return decodeURIComponent(text); } catch (e) { return text; }
  }

  function buildPrefsForm() {
    var details = document.getElementById("prefs"), form = document.getElementById("prefs-form");
    details.querySelector("summary").textContent = L.prefs;
    form.textContent = "";
    var kw = el("input", {id: "pref-kw", type: "text", value: state.prefs.kw.join(", "), "aria-describedby": "pref-hint"});
    var au = el("input", {id: "pref-au", type: "text", value: state.prefs.au.join(", "), "aria-describedby": "pref-hint"});
    form.appendChild(el("label", {"for": "pref-kw"}, L.keywords));
    form.appendChild(kw);
    form.appendChild(el("label", {"for": "pref-au"}, L.authors));
    form.appendChild(au);
    form.appendChild(el("p", {id: "pref-hint", "class": "hint"}, L.commaHint));
    var save = el("button", {type: "submit"}, L.save), clear = el("button", {type: "button"}, L.clear);
    form.appendChild(save);
    form.appendChild(clear);
    form.onsubmit = function (ev) {
      ev.preventDefault();
      savePrefs(splitList(kw.value), splitList(au.value));
      renderDay();
    };
    clear.onclick = function () { kw.value = ""; au.value = ""; savePrefs([], []); renderDay(); };
    if (state.prefsFromUrl) details.open = true;
  }

  /* ---------- likes (localStorage), exported as a records file the profile's papers_files reads ---------- */

  function likes() {
    try { return JSON.parse(localStorage.getItem("summarizer.likes") || "{}"); } catch (e) { return {}; }
  }

  function feedbackOf(id) {  // "like", "dislike" or null
    var mine = likes()[id];
    return mine ? (mine.feedback === "dislike" ? "dislike" : "like") : null;
  }

  // A like or a "not for me" (kept with the likes, marked feedback: dislike); pressing the pressed one undoes it.
  function toggleFeedback(p, day, kind) {
    var all = likes();
    if (feedbackOf(p.id) === kind) delete all[p.id];
    else all[p.id] = {id: p.id, title: p.title, authors: p.authors || [], categories: p.categories || [],
      summary: p.abstract || "", abs: p.url || null, pdf: p.pdf || null, comment: p.comment || null, date: day,
      feedback: kind};
    try { localStorage.setItem("summarizer.likes", JSON.stringify(all)); } catch (e) { /* kept for this page only */ }
    return all[p.id] ? kind : null;
  }

  SITE.likesRecords = function () {  // JSON Lines, one record per liked or disliked paper, oldest first
    var all = likes();
    return Object.keys(all).map(function (id) { return JSON.stringify(all[id]) + "\n"; }).join("");
  };

  function exportLikes() {
    var blob = new Blob([SITE.likesRecords()], {type: "application/x-ndjson"});
    var a = el("a", {href: URL.createObjectURL(blob), download: "likes.jsonl"});
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  /* ---------- days ---------- */

  function dayIndex(date) {
    for (var i = 0; i < M.days.length; i++) if (M.days[i][0] === date) return i;
    return -1;
  }

  function nearestDay(date) {  // the newest day on or before `date`, else the oldest
    for (var i = 0; i < M.days.length; i++) if (M.days[i][0] <= date) return M.days[i][0];
    return M.days[M.days.length - 1][0];
  }

  function openDay(date, push) {
    state.day = date;
    if (push) history.pushState(null, "", "?date=" + encodeURIComponent(date));
    renderDayNav();
    var src = "data/days/" + date + ".js";
    return (days[date] ? Promise.resolve() : loadScript(src).then(function () { return inflating["d" + date]; }))
      .then(function () {
      state.data = days[date];
      state.category = "all";
      if (!state.query) renderDay();
    });
  }

  function renderDayNav() {
    var nav = document.getElementById("days");
    nav.textContent = "";
    var i = dayIndex(state.day);
    var older = i + 1 < M.days.length ? M.days[i + 1][0] : null, newer = i > 0 ? M.days[i - 1][0] : null;
    var prev = el("a", {"class": "step", href: older ? "?date=" + older : null, "aria-label": L.prev,
      "aria-disabled": older ? null : "true"}, "‹");
    var next = el("a", {"class": "step", href: newer ? "?date=" + newer : null, "aria-label": L.next,
      "aria-disabled": newer ? null : "true"}, "›");
    [prev, next].forEach(function (a) {
      a.onclick = function (ev) {
        if (!a.getAttribute("href")) return;
        ev.preventDefault();
        clearSearch();
        openDay(a.getAttribute("href").slice(6), true);
      };
    });
    var label = el("label", {"for": "day-input", "class": "visually-hidden"}, L.date);
    var input = el("input", {id: "day-input", type: "date", value: state.day, min: M.days[M.days.length - 1][0],
      max: M.days[0][0]});
    input.onchange = function () {
      if (!input.value) return;
      clearSearch();
      openDay(nearestDay(input.value), true);
    };
    nav.appendChild(prev);
    nav.appendChild(label);
    nav.appendChild(input);
    nav.appendChild(next);
  }

  function paperArticle(p, terms, prefHits) {
    var art = el("article", {"class": "paper" + (prefHits.length ? " match" : ""), id: "p-" + p.id,
      "data-paper-id": p.id});
    var marks = terms.concat(prefHits);
    var h = el("h3");
    if (p.number) h.appendChild(el("span", {"class": "num"}, "[" + p.number + "] "));
    var title = p.url ? el("a", {href: p.url}) : el("span");
    rich(title, p.title, marks);
    h.appendChild(title);
    art.appendChild(h);
    if (p.why) art.appendChild(el("p", {"class": "why", title: "score " + p.score}, p.why));
    var links = el("p", {"class": "links"});
    if (p.pdf) links.appendChild(el("a", {href: p.pdf}, "PDF"));
    links.appendChild(el("a", {href: "?date=" + state.day + "#p-" + encodeURIComponent(p.id), "class": "perma",
      title: L.permalink, "aria-label": L.permalink + " " + p.id}, "#" + p.id));
    if (prefHits.length) links.appendChild(el("span", {"class": "badge"}, L.matched));
    var day = state.day;
    var like = el("button", {type: "button", "class": "like"});
    var dislike = el("button", {type: "button", "class": "dislike", title: L.notForMeHint}, L.notForMe);
    var show = function (now) {
      like.setAttribute("aria-pressed", now === "like" ? "true" : "false");
      like.textContent = now === "like" ? L.liked : L.like;
      dislike.setAttribute("aria-pressed", now === "dislike" ? "true" : "false");
    };
    show(feedbackOf(p.id));
    like.onclick = function () { show(toggleFeedback(p, day, "like")); };
    dislike.onclick = function () { show(toggleFeedback(p, day, "dislike")); };
    links.appendChild(like);
    links.appendChild(dislike);
    art.appendChild(links);
    var authors = el("p", {"class": "authors"});
    appendMarked(authors, (p.authors || []).join(", "), marks);
    art.appendChild(authors);
    var cats = el("p", {"class": "cats"});
    (p.categories || []).forEach(function (c) { cats.appendChild(el("span", {"class": "cat"}, c)); });
    art.appendChild(cats);
    if (p.tldr) {
      var tl = el("p", {"class": "tldr"});
      tl.appendChild(el("b", null, "TL;DR "));
      checked(tl, p.tldr, marks, p.checks, "tldr");
      if (p.source && L.source[p.source]) tl.appendChild(el("span", {"class": "source"}, L.source[p.source]));
      art.appendChild(tl);
    } else {
      art.appendChild(el("p", {"class": "pending"}, p.listed ? L.listed : L.pending));
    }
    var details = el("details");
    details.appendChild(el("summary", null, L.details));
    var dl = el("dl");
    [["motivation", p.motivation], ["method", p.method], ["result", p.result], ["conclusion", p.conclusion], ["abstract", p.abstract],
      ["comment", p.comment]].forEach(function (f) {
      if (!f[1]) return;
      dl.appendChild(el("dt", null, L[f[0]]));
      dl.appendChild(checked(el("dd"), f[1], marks, p.checks, f[0]));
    });
    details.appendChild(dl);
    art.appendChild(details);
    if (p.similar && p.similar.length) {
      var more = el("details", {"class": "similar"});
      more.appendChild(el("summary", null, L.moreLike));
      var ol = el("ol");
      p.similar.forEach(function (s) {
        var li = el("li", {"data-paper-id": s[1]});
        var a = el("a", {href: "?date=" + s[0] + "#p-" + encodeURIComponent(s[1])}, s[2]);
        a.onclick = function (ev) {
          ev.preventDefault();
          history.pushState(null, "", a.getAttribute("href"));
          openDay(s[0], false);
        };
        li.appendChild(a);
        li.appendChild(el("span", {"class": "day"}, " " + s[0]));
        ol.appendChild(li);
      });
      more.appendChild(ol);
      art.appendChild(more);
    }
    return art;
  }

  function renderDay() {
    var main = document.getElementById("main");
    main.textContent = "";
    if (!state.data) return;
    var papers = state.data.papers;
    var counts = {};
    papers.forEach(function (p) { var c = p.categories[0]; counts[c] = (counts[c] || 0) + 1; });
    var head = el("h2", null, state.day + " · " + papers.length + " " + L.papers);
    main.appendChild(head);
    var chips = el("div", {"class": "chips", role: "group", "aria-label": "categories"});
    var cats = ["all"].concat(Object.keys(counts).sort(function (a, b) {
      var ia = M.categories.indexOf(a), ib = M.categories.indexOf(b);
      if (ia < 0 && ib < 0) return a < b ? -1 : 1;
      return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib);
    }));
    cats.forEach(function (c) {
      var n = c === "all" ? papers.length : counts[c];
      var b = el("button", {type: "button", "class": "chip", "data-category": c,
        "aria-pressed": state.category === c ? "true" : "false"}, (c === "all" ? L.all : c) + " " + n);
      b.onclick = function () { state.category = c; renderDay(); };
      chips.appendChild(b);
    });
    main.appendChild(chips);
    var hasRank = papers.some(function (p) { return typeof p.score === "number"; });
    if (hasRank) {
      var orders = el("div", {"class": "chips order", role: "group", "aria-label": "order"});
      [["foryou", L.forYou], ["digest", L.digestOrder]].forEach(function (o) {
        var b = el("button", {type: "button", "class": "chip", "data-order": o[0],
          "aria-pressed": state.order === o[0] ? "true" : "false"}, o[1]);
        b.onclick = function () { state.order = o[0]; renderDay(); };
        orders.appendChild(b);
      });
      var ex = el("button", {type: "button", "class": "export"}, L.exportLikes);
      ex.onclick = exportLikes;
      orders.appendChild(ex);
      main.appendChild(orders);
    }
    var list = el("ol", {"class": "papers"});
    var shown = papers.filter(function (p) { return state.category === "all" || p.categories[0] === state.category; });
    var ranked = shown.map(function (p, i) { return {p: p, hits: prefMatch(p), i: i}; });
    var forYou = hasRank && state.order === "foryou";
    ranked.sort(function (x, y) {
      return (y.hits.length ? 1 : 0) - (x.hits.length ? 1 : 0) ||
        (forYou ? (y.p.score || 0) - (x.p.score || 0) : 0) || x.i - y.i;
    });
    ranked.forEach(function (r) {
      var li = el("li");
      li.appendChild(paperArticle(r.p, [], r.hits));
      list.appendChild(li);
    });
    main.appendChild(list);
    ensureKatex();
    if (location.hash && location.hash.indexOf("#p-") === 0) {
      var target = document.getElementById(decodeHash(location.hash.slice(1)));
      if (target) target.scrollIntoView();
    }
  }

  /* ---------- search ---------- */

  function terms(query) {
    return lc(query).split(/\s+/).filter(Boolean);
  }

  function score(row, ts) {
    var total = 0;
    for (var i = 0; i < ts.length; i++) {
      var t = ts[i], s = 0;
      if (row.t.indexOf(t) >= 0) s += 4;
      if (row.a.indexOf(t) >= 0) s += 3;
      if (row.s.indexOf(t) >= 0) s += 2;
      if (row.c.indexOf(t) >= 0) s += 1;
      if (!s) return 0;  // every term must match somewhere
      total += s;
    }
    return total;
  }

  function dayRows(date, payload) {  // the day on screen is searched in every field, abstract included
    return payload.papers.map(function (p) {
      var full = [p.tldr, p.motivation, p.method, p.result, p.conclusion, p.abstract].join(" ");
      return {r: [date, p.id, p.title, (p.authors || []).join(", "), (p.categories || []).join(" "), p.tldr || ""],
        t: lc(p.title), a: lc((p.authors || []).join(", ")), c: lc((p.categories || []).join(" ")), s: lc(full)};
    });
  }

  function clearSearch() {
    state.query = "";
    state.token++;
    document.getElementById("q").value = "";
  }

  function runSearch(query, push) {
    var token = ++state.token, ts = terms(query);
    state.query = query;
    if (push) history.pushState(null, "", "?q=" + encodeURIComponent(query) + (state.day ? "&date=" + state.day : ""));
    if (!ts.length) { renderDay(); return Promise.resolve(); }
    var started = performance.now(), seen = {}, count = 0, shown = 0, firstAt = null;
    var main = document.getElementById("main");
    main.textContent = "";
    var back = el("button", {type: "button", "class": "back"}, L.back);
    back.onclick = function () { clearSearch(); history.pushState(null, "", "?date=" + state.day); renderDay(); };
    main.appendChild(back);
    var sorts = el("div", {"class": "chips sort", role: "group", "aria-label": L.sort});
    [["newest", L.newest], ["relevance", L.relevance]].forEach(function (o) {
      var b = el("button", {type: "button", "class": "chip", "data-sort": o[0],
        "aria-pressed": state.searchSort === o[0] ? "true" : "false"}, o[1]);
      b.onclick = function () { state.searchSort = o[0]; runSearch(state.query, false); };
      sorts.appendChild(b);
    });
    main.appendChild(sorts);
    var status = el("p", {"class": "status", role: "status"}, L.searching + "…");
    main.appendChild(status);
    var results = el("div", {"class": "results"});
    main.appendChild(results);
    SITE.searchStats = {query: query, first: null, done: null, count: 0};

    var byRelevance = state.searchSort === "relevance", everyHit = [];

    function show(rows) {
      var hits = [];
      rows.forEach(function (row) {
        var key = row.r[0] + "/" + row.r[1];
        if (seen[key]) return;
        var s = score(row, ts);
        if (s) { seen[key] = true; hits.push({row: row, s: s}); }
      });
      if (byRelevance) {  // every hit so far, best first: the list is drawn again as shards arrive
        everyHit = everyHit.concat(hits);
        everyHit.sort(function (x, y) { return y.s - x.s || (x.row.r[0] < y.row.r[0] ? 1 : -1); });
        results.textContent = "";
        count = shown = 0;
        hits = everyHit;
      } else {
        hits.sort(function (x, y) { return x.row.r[0] < y.row.r[0] ? 1 : x.row.r[0] > y.row.r[0] ? -1 : y.s - x.s; });
      }
      var group = null, groupDay = null;
      hits.forEach(function (h) {
        count++;
        if (shown >= MAX_RESULTS) return;
        shown++;
        var r = h.row.r;
        if (byRelevance && !group) {
          group = el("ol", {"class": "relevance"});
          results.appendChild(group);
        } else if (!byRelevance && r[0] !== groupDay) {
          groupDay = r[0];
          var section = el("section", {"class": "day-group", "data-day": r[0]});
          section.appendChild(el("h3", null, r[0]));
          group = el("ol");
          section.appendChild(group);
          results.appendChild(section);
        }
        var li = el("li", {"class": "result", "data-paper-id": r[1]});
        var a = el("a", {href: "?date=" + r[0] + "#p-" + encodeURIComponent(r[1])});
        rich(a, r[2], ts);
        a.onclick = function (ev) {
          ev.preventDefault();
          clearSearch();
          history.pushState(null, "", "?date=" + r[0] + "#p-" + encodeURIComponent(r[1]));
          openDay(r[0], false);
        };
        li.appendChild(a);
        if (byRelevance) li.appendChild(el("span", {"class": "day"}, " " + r[0]));
        var au = el("p", {"class": "authors"});
        appendMarked(au, r[3], ts);
        li.appendChild(au);
        if (r[5]) li.appendChild(rich(el("p", {"class": "tldr"}), r[5], ts));
        group.appendChild(li);
      });
      if (count && firstAt === null) { firstAt = performance.now() - started; SITE.searchStats.first = firstAt; }
      status.textContent = count + " " + L.results + (count > shown ? " · " + (count - shown) + " " + L.more : "");
      ensureKatex();
    }

    if (state.data && state.day) show(dayRows(state.day, state.data));
    var months = M.shards.slice();
    function next() {
      if (token !== state.token) return Promise.resolve();
      if (!months.length) {
        SITE.searchStats.done = performance.now() - started;
        SITE.searchStats.count = count;
        if (!count) status.textContent = L.noResults;
        return Promise.resolve();
      }
      var month = months.shift();
      return (shards[month] ? Promise.resolve() : loadScript("data/search/" + month + ".js").then(function () {
        return inflating["m" + month];
      })).then(function () {
        if (token !== state.token) return;
        show(shards[month] || []);
        return next();
      });
    }
    return next();
  }

  function rerender() {
    if (state.query) runSearch(state.query, false);
    else renderDay();
  }

  /* ---------- start ---------- */

  function start() {
    var main = document.getElementById("main");
    if (!M || !M.days || !M.days.length) { main.textContent = L.empty; return; }
    var params = new URLSearchParams(location.search);
    loadPrefs(params);
    buildPrefsForm();
    var form = document.getElementById("search"), q = document.getElementById("q");
    q.setAttribute("placeholder", L.searchAll);
    q.setAttribute("aria-label", L.searchAll);
    form.querySelector("button").textContent = L.search;
    form.onsubmit = function (ev) { ev.preventDefault(); runSearch(q.value, true); };
    var timer = null;
    q.oninput = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { if (q.value.trim() !== state.query.trim()) runSearch(q.value, false); }, 250);
    };
    var wanted = params.get("date");
    var date = wanted && dayIndex(wanted) >= 0 ? wanted : wanted ? nearestDay(wanted) : M.days[0][0];
    var query = params.get("q") || "";
    if (query) q.value = query;
    if (params.get("sort") === "relevance") state.searchSort = "relevance";
    openDay(date, false).then(function () { if (query) runSearch(query, false); });
    window.onpopstate = function () {
      var p = new URLSearchParams(location.search), d = p.get("date");
      var target = d && dayIndex(d) >= 0 ? d : M.days[0][0];
      if (p.get("q")) { q.value = p.get("q"); openDay(target, false).then(function () { runSearch(p.get("q"), false); }); }
      else { clearSearch(); openDay(target, false); }
    };
  }

  // True while the page will still redraw by itself (KaTeX arriving for the day's math): tests wait on it.
  SITE.busy = function () { return !!state.katexLoading && !state.katex; };
  SITE.runSearch = function (query) { document.getElementById("q").value = query; return runSearch(query, false); };
  start();
})();
