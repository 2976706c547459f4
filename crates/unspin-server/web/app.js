// unspin web page: sends the text to POST /v1/check and shows the spans.
// Plain JavaScript, no build step, no outside requests. User text only ever enters the page as
// text nodes (never as HTML).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const el = {
    text: $("text"), drop: $("drop"), file: $("file"), open: $("open"),
    example: $("example"), example2: $("example2"), check: $("check"), count: $("count"),
    result: $("result"), gauge: $("gauge"), gaugeFill: $("gauge-fill"), score: $("score"),
    badge: $("badge"), verdictText: $("verdict-text"), stats: $("stats"),
    viewMarks: $("view-marks"), viewDiff: $("view-diff"), copy: $("copy"),
    output: $("output"), status: $("status"), tip: $("tip"),
  };

  const KIND = {
    substitution: "Thesaurus swap",
    fingerprint: "Known tortured phrase",
    artifact: "Spinner debris",
  };

  // Below this many words every text is "unsure" (the engine's `min_words`, which the server
  // writes into the page); from it on, an "unsure" text scored 0.5 or more, short of the bar its
  // length sets for "spun".
  const MIN_WORDS = (() => {
    const n = Number(document.documentElement.dataset.minWords);
    return Number.isFinite(n) ? n : 25;
  })();

  const state = {
    view: "marks",
    text: "",       // the text the report is about
    report: null,   // the last /v1/check answer
    spans: [],      // its spans, with a and b: UTF-16 offsets into state.text
    restored: "",
    seq: 0,         // answers to older requests are dropped
    ctrl: null,     // AbortController of the request in flight
    timer: 0,
  };

  // ---- helpers ------------------------------------------------------------------------------

  function node(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = text;
    return n;
  }

  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

  // JSON cannot carry lone surrogates as text; replace them as a UTF-8 encoder would, so that the
  // server sees exactly the text the offsets are computed for.
  function wellFormed(s) {
    if (typeof s.toWellFormed === "function") return s.toWellFormed();
    return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  }

  // Maps UTF-8 byte offsets to UTF-16 indices; offsets must be asked in increasing order.
  // Used only if an answer lacks utf16_start/utf16_end (an older server).
  function byteMapper(text) {
    let byte = 0, unit = 0;
    return (target) => {
      if (target < byte) { byte = 0; unit = 0; }
      while (byte < target && unit < text.length) {
        const cp = text.codePointAt(unit);
        byte += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        unit += cp > 0xffff ? 2 : 1;
      }
      return unit;
    };
  }

  function locate(text, spans) {
    const map = byteMapper(text);
    return spans.map((s) => {
      let a = s.utf16_start, b = s.utf16_end;
      if (a == null || b == null || text.slice(a, b) !== s.text) {
        a = map(s.start);
        b = map(s.end);
      }
      return Object.assign({}, s, { a, b });
    });
  }

  function restoredText(text, spans) {
    let out = "", pos = 0;
    for (const s of spans) {
      if (s.suggestion == null) continue;
      out += text.slice(pos, s.a) + s.suggestion;
      pos = s.b;
    }
    return out + text.slice(pos);
  }

  function wordCount(t) {
    const m = t.trim().match(/\S+/g);
    return m ? m.length : 0;
  }

  function say(msg, isError) {
    el.status.textContent = msg || "";
    el.status.classList.toggle("error", !!isError);
  }

  // ---- checking -----------------------------------------------------------------------------

  function schedule(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(run, delay);
  }

  async function run() {
    clearTimeout(state.timer);
    const text = wellFormed(el.text.value);
    if (!text.trim()) { reset(); return; }
    if (state.report && text === state.text) return;
    if (state.ctrl) state.ctrl.abort();
    const ctrl = new AbortController();
    state.ctrl = ctrl;
    const seq = ++state.seq;
    el.output.setAttribute("aria-busy", "true");
    el.check.disabled = true;
    say("Checking…");
    try {
      const r = await fetch("/v1/check", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text }),
        signal: ctrl.signal,
      });
      let body = null;
      try { body = await r.json(); } catch (_) { /* not JSON: reported below */ }
      if (seq !== state.seq) return;
      if (!r.ok) {
        const why = body && body.error ? body.error : `the server answered ${r.status}`;
        say(r.status === 413 ? `This text is too long for the server: ${why}.` : `Could not check the text: ${why}.`, true);
        return;
      }
      show(text, body);
      say("");
    } catch (e) {
      if (e.name === "AbortError" || seq !== state.seq) return;
      say("Could not reach the unspin server. Is it still running?", true);
    } finally {
      if (seq === state.seq) {
        el.output.setAttribute("aria-busy", "false");
        el.check.disabled = false;
        state.ctrl = null;
      }
    }
  }

  function reset() {
    if (state.ctrl) state.ctrl.abort();
    state.seq++;
    Object.assign(state, { text: "", report: null, spans: [], restored: "" });
    el.result.dataset.state = "empty";
    delete el.result.dataset.verdict;
    el.gaugeFill.style.strokeDasharray = "0 100";
    el.score.textContent = "–";
    el.gauge.setAttribute("aria-valuenow", "0");
    el.gauge.setAttribute("aria-valuetext", "no score yet");
    el.badge.textContent = "No text yet";
    el.verdictText.textContent = "Paste a text to see how likely it was machine-spun, and which words a spinner swapped.";
    el.stats.textContent = "";
    el.copy.disabled = true;
    el.output.setAttribute("aria-busy", "false");
    el.check.disabled = false;
    el.output.replaceChildren();
    const p = node("p", "placeholder", "Nothing to show yet. ");
    const b = node("button", "link", "Load the example");
    b.type = "button";
    b.addEventListener("click", loadExample);
    p.append(b, " to see unspin at work.");
    el.output.append(p);
    hideTip();
    say("");
  }

  // ---- showing a report ---------------------------------------------------------------------

  function show(text, report) {
    state.text = text;
    state.report = report;
    state.spans = locate(text, report.spans);
    state.restored = restoredText(text, state.spans);
    const pct = Math.round(report.score * 100);
    const v = report.verdict;
    const changes = state.spans.filter((s) => s.suggestion != null).length;

    el.result.dataset.state = "shown";
    el.result.dataset.verdict = v;
    el.gaugeFill.style.strokeDasharray = `${Math.max(pct, 0.5)} 100`;
    el.score.textContent = String(pct);
    el.gauge.setAttribute("aria-valuenow", String(pct));
    el.gauge.setAttribute("aria-valuetext", `${pct} out of 100: ${v}`);
    el.badge.textContent = { spun: "Likely spun", clean: "Looks clean", unsure: "Too short to tell" }[v] || v;
    el.verdictText.textContent =
      v === "spun"
        ? `This reads like machine-spun text: ${plural(state.spans.length, "passage looks", "passages look")} like a spinner's swap.`
        : v === "clean"
          ? state.spans.length
            ? "This reads like ordinary writing. A few words look odd, but not enough to call it spun."
            : "This reads like ordinary writing: nothing looks swapped."
          : report.words >= MIN_WORDS
            ? `Some words look swapped, but a text of ${report.words} words needs a higher score to be called spun; the highlights below show them.`
            : `${plural(report.words, "word is", "words are")} too few for a verdict; the highlights below still show what looks swapped.`;
    el.stats.textContent =
      `${plural(report.words, "word", "words")} · ${plural(state.spans.length, "suspicious span", "suspicious spans")} · ${changes} with a likely original`;
    el.count.textContent = plural(report.words, "word", "words");
    el.copy.disabled = false;
    render();
  }

  function render() {
    hideTip();
    el.result.dataset.view = state.view;
    const out = el.output;
    out.replaceChildren();
    if (!state.report) { reset(); return; }
    const text = state.text;
    const frag = document.createDocumentFragment();
    let pos = 0;
    state.spans.forEach((s, i) => {
      if (s.a > pos) frag.append(text.slice(pos, s.a));
      if (state.view === "diff") {
        if (s.suggestion == null) {
          frag.append(text.slice(s.a, s.b));
        } else {
          const d = node("del", "d");
          d.append(node("span", "sr-only", "removed: "), text.slice(s.a, s.b));
          const n = node("ins", "i");
          n.append(node("span", "sr-only", " restored: "), s.suggestion);
          frag.append(d, n);
        }
      } else {
        const m = node("mark", `span ${s.kind}${s.suggestion == null ? " nosug" : ""}`, text.slice(s.a, s.b));
        m.style.setProperty("--a", String(Math.min(1, Math.max(0, s.confidence))));
        m.tabIndex = 0;
        m.dataset.i = String(i);
        m.setAttribute("role", "button");
        m.setAttribute("aria-label", describe(s));
        m.setAttribute("aria-describedby", "tip");
        frag.append(m);
      }
      pos = s.b;
    });
    if (pos < text.length) frag.append(text.slice(pos));
    out.append(frag);
    if (!state.spans.length && state.view === "marks") {
      const p = node("p", "placeholder", "No suspicious words found.");
      out.prepend(p);
    }
  }

  function describe(s) {
    const orig = s.suggestion != null ? `likely original: ${s.suggestion}` : "no confident original";
    return `${s.text}: ${orig}; ${KIND[s.kind] || s.kind}, ${Math.round(s.confidence * 100)}% sure`;
  }

  // ---- tooltip ------------------------------------------------------------------------------

  let tipFor = null;    // the mark the tip belongs to
  let pinned = false;   // opened by a tap or a key: stays until dismissed

  function fillTip(s) {
    const t = el.tip;
    t.replaceChildren();
    if (s.suggestion != null) {
      t.append(node("div", "tip-label", "Likely original"));
      const o = node("div", "tip-orig");
      o.append(node("s", null, s.text), " → ", s.suggestion);
      t.append(o);
    } else {
      t.append(node("div", "tip-label", "Suspicious, but no confident original"));
      t.append(node("div", "tip-orig", s.text));
    }
    const meta = node("div", "tip-meta");
    const bar = node("span", "bar");
    const fill = node("i");
    fill.style.width = `${Math.round(s.confidence * 100)}%`;
    bar.append(fill);
    meta.append(node("span", "tip-kind", KIND[s.kind] || s.kind), bar,
      node("span", null, `${Math.round(s.confidence * 100)}% sure`));
    t.append(meta);
    if (s.evidence) t.append(node("div", "tip-ev", s.evidence));
  }

  function placeTip(m) {
    const t = el.tip;
    const rects = m.getClientRects();
    const r = rects.length ? rects[0] : m.getBoundingClientRect();
    const w = t.offsetWidth, h = t.offsetHeight, gap = 8, edge = 12;
    let top = r.bottom + gap;
    if (top + h > window.innerHeight - edge && r.top - gap - h > edge) top = r.top - gap - h;
    const left = Math.min(Math.max(edge, r.left), window.innerWidth - w - edge);
    t.style.top = `${Math.round(top)}px`;
    t.style.left = `${Math.round(Math.max(edge, left))}px`;
  }

  function showTip(m, pin) {
    const s = state.spans[Number(m.dataset.i)];
    if (!s) return;
    if (tipFor && tipFor !== m) tipFor.classList.remove("active");
    tipFor = m;
    pinned = !!pin;
    m.classList.add("active");
    fillTip(s);
    el.tip.hidden = false;
    placeTip(m);
  }

  function hideTip() {
    if (tipFor) tipFor.classList.remove("active");
    tipFor = null;
    pinned = false;
    el.tip.hidden = true;
  }

  el.output.addEventListener("mouseover", (e) => {
    const m = e.target.closest("mark.span");
    if (m && !pinned) showTip(m, false);
  });
  el.output.addEventListener("mouseout", (e) => {
    const m = e.target.closest("mark.span");
    if (m && !pinned && !m.contains(e.relatedTarget) && document.activeElement !== m) hideTip();
  });
  el.output.addEventListener("focusin", (e) => {
    const m = e.target.closest("mark.span");
    if (m) showTip(m, false);
  });
  el.output.addEventListener("focusout", (e) => {
    const m = e.target.closest("mark.span");
    if (m && !(e.relatedTarget && e.relatedTarget.closest && e.relatedTarget.closest("mark.span"))) hideTip();
  });
  el.output.addEventListener("click", (e) => {
    const m = e.target.closest("mark.span");
    if (!m) return;
    if (tipFor === m && pinned) hideTip();
    else showTip(m, true);
  });
  el.output.addEventListener("keydown", (e) => {
    const m = e.target.closest("mark.span");
    if (m && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      if (tipFor === m && !el.tip.hidden) hideTip();
      else showTip(m, true);
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !el.tip.hidden) hideTip();
  });
  document.addEventListener("click", (e) => {
    if (pinned && !e.target.closest("mark.span") && !e.target.closest("#tip")) hideTip();
  });
  const follow = () => { if (tipFor && !el.tip.hidden) placeTip(tipFor); };
  window.addEventListener("resize", follow);
  window.addEventListener("scroll", follow, true);

  // ---- input --------------------------------------------------------------------------------

  el.text.addEventListener("input", () => {
    el.count.textContent = plural(wordCount(el.text.value), "word", "words");
    schedule(650);
  });
  el.text.addEventListener("paste", () => schedule(30));
  el.text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      state.report = null; // check again even if unchanged
      run();
    }
  });
  el.check.addEventListener("click", () => { state.report = null; run(); });

  function setText(t) {
    el.text.value = t;
    el.count.textContent = plural(wordCount(t), "word", "words");
    run();
  }

  async function loadExample() {
    try {
      const r = await fetch("/example.txt");
      if (!r.ok) throw new Error(String(r.status));
      setText((await r.text()).trim());
      el.text.scrollTop = 0;
    } catch (_) {
      say("Could not load the example.", true);
    }
  }
  el.example.addEventListener("click", loadExample);
  el.example2.addEventListener("click", loadExample);

  function readFile(f) {
    if (!f) return;
    const plain = /^text\//.test(f.type) || /\.(txt|text|md)$/i.test(f.name) || f.type === "";
    if (!plain) { say(`“${f.name}” is not a plain-text file.`, true); return; }
    const fr = new FileReader();
    fr.onload = () => setText(String(fr.result));
    fr.onerror = () => say(`Could not read “${f.name}”.`, true);
    fr.readAsText(f);
  }
  el.open.addEventListener("click", () => el.file.click());
  el.file.addEventListener("change", () => { readFile(el.file.files[0]); el.file.value = ""; });

  // Dropping anywhere must not navigate away from the page; dropping on the text box loads it.
  ["dragover", "drop"].forEach((ev) => window.addEventListener(ev, (e) => e.preventDefault()));
  let depth = 0;
  el.drop.addEventListener("dragenter", (e) => { e.preventDefault(); depth++; el.drop.classList.add("over"); });
  el.drop.addEventListener("dragleave", () => { if (--depth <= 0) { depth = 0; el.drop.classList.remove("over"); } });
  el.drop.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    el.drop.classList.remove("over");
    const dt = e.dataTransfer;
    if (dt && dt.files && dt.files.length) readFile(dt.files[0]);
    else if (dt) {
      const t = dt.getData("text/plain");
      if (t) setText(t);
    }
  });

  // ---- view and copy ------------------------------------------------------------------------

  function setView(v) {
    state.view = v;
    el.viewMarks.setAttribute("aria-pressed", String(v === "marks"));
    el.viewDiff.setAttribute("aria-pressed", String(v === "diff"));
    if (state.report) render();
    else el.result.dataset.view = v;
  }
  el.viewMarks.addEventListener("click", () => setView("marks"));
  el.viewDiff.addEventListener("click", () => setView("diff"));

  async function copyText(t) {
    try {
      await navigator.clipboard.writeText(t);
      return true;
    } catch (_) {
      // No clipboard API (plain http on another host): the old way.
      const ta = node("textarea");
      ta.value = t;
      ta.setAttribute("readonly", "");
      ta.style.position = "fixed";
      ta.style.opacity = "0";
      document.body.append(ta);
      ta.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
      ta.remove();
      return ok;
    }
  }
  el.copy.addEventListener("click", async () => {
    if (!state.report) return;
    const ok = await copyText(state.restored);
    const label = el.copy.querySelector("span");
    if (ok) {
      label.textContent = "Copied";
      el.copy.classList.add("done");
      say("The restored text is on the clipboard.");
      setTimeout(() => { label.textContent = "Copy restored text"; el.copy.classList.remove("done"); }, 1600);
    } else {
      say("Copying failed: switch to “Restored text” and copy it by hand.", true);
    }
  });

  // A text the browser kept across a reload is checked at once.
  if (el.text.value.trim()) run();
  else el.count.textContent = "0 words";

  // For tests and the curious: the state of the page.
  window.unspin = { state, check: run, loadExample };
})();
