/* The Explorer (docs/explorer.rst): gradient descent and SGD on the tutorials' data, redrawn as
   the controls move. Plain JavaScript and canvas; loads nothing. Every number it starts from
   (data, least-squares answer, eigenvalues, stable bound) is in the JSON block #sgdx-json,
   written at build time by docs/_ext/explorer.py from the package.

   The update is the package's (sgd_tutorial.optimize), for each batch b of the samples:
     r = x_b p - y_b,  loss = mean(r²),  g = (2/|b|) x_bᵀ r,  v = β v + g,  p = p - lr v
   with x = [u, 1] and the loss recorded before the update. Full batch (|b| = n) is
   gradient_descent; smaller batches are sgd: each epoch a new order of the samples, cut into
   batches, the last one shorter when |b| does not divide n. The order comes from a small
   seeded generator of our own (not torch.randperm); window.sgdExplorer.run() accepts a given
   batch order, which is how the browser check compares the page with iter_sgd. */
(function () {
  "use strict";

  const root = document.getElementById("sgd-explorer");
  if (!root) return;
  const D = JSON.parse(document.getElementById("sgdx-json").textContent);
  const N = D.n;
  const U = Float64Array.from(D.u);
  const Y = Float64Array.from(D.y);
  const LSQ = D.least_squares;
  const LSQ_LOSS = D.least_squares_loss;
  const LAMBDA_MAX = D.hessian_eigenvalues[D.hessian_eigenvalues.length - 1];
  const [LR_MIN, LR_MAX] = D.lr_range;
  const MAX_STEPS = D.max_steps;
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  /** The stable bound of full-batch gradient descent, (2 + 2β) / λmax (max_stable_lr). */
  function bound(momentum) {
    return (2 + 2 * momentum) / LAMBDA_MAX;
  }

  // ------------------------------------------------------------------ the descent

  /** mulberry32: a small seeded generator of floats in [0, 1). */
  function generator(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Batches of `batch` sample indices, epoch after epoch, for `steps` updates. */
  function batchOrder(batch, steps, seed) {
    const out = [];
    if (batch >= N) {
      const all = Array.from({ length: N }, (_, i) => i);
      for (let t = 0; t < steps; t++) out.push(all);
      return out;
    }
    const rand = generator(seed);
    const perm = new Int32Array(N);
    while (out.length < steps) {
      for (let i = 0; i < N; i++) perm[i] = i;
      for (let i = N - 1; i > 0; i--) {  // Fisher–Yates
        const j = Math.floor(rand() * (i + 1));
        const tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
      }
      for (let lo = 0; lo < N && out.length < steps; lo += batch) {
        out.push(perm.subarray(lo, Math.min(lo + batch, N)));
      }
    }
    return out;
  }

  /** Run `order.length` updates; stop at the first non-finite loss or parameters, as the
      package's DivergenceError does (`diverged` is then that update, counted from 0). */
  function descend(lr, momentum, order) {
    const steps = order.length;
    const params = new Float64Array(2 * (steps + 1));
    const losses = new Float64Array(steps);
    let p0 = D.init[0], p1 = D.init[1], v0 = 0, v1 = 0;
    params[0] = p0;
    params[1] = p1;
    let done = steps, diverged = null;
    for (let t = 0; t < steps; t++) {
      const rows = order[t];
      const b = rows.length;
      let sq = 0, s0 = 0, s1 = 0;
      for (let j = 0; j < b; j++) {
        const i = rows[j];
        const r = U[i] * p0 + p1 - Y[i];  // residual of x_i = [u_i, 1]
        sq += r * r;
        s0 += U[i] * r;
        s1 += r;
      }
      // A residual past 1.3e154 overflows when squared even where the mean square does not
      // (the package records such losses exactly): then sum the squares scaled by the largest.
      const loss = sq === Infinity ? scaledMeanSquare(rows, p0, p1) : sq / b;
      v0 = momentum * v0 + (2 / b) * s0;
      v1 = momentum * v1 + (2 / b) * s1;
      p0 -= lr * v0;
      p1 -= lr * v1;
      if (!(Number.isFinite(loss) && Number.isFinite(p0) && Number.isFinite(p1))) {
        done = t;
        diverged = t;
        break;
      }
      losses[t] = loss;
      params[2 * t + 2] = p0;
      params[2 * t + 3] = p1;
    }
    return { params: params.subarray(0, 2 * done + 2), losses: losses.subarray(0, done),
             done, diverged };
  }

  /** mean(r²) over `rows` at (p0, p1) as m² · mean((r/m)²), m = max |r|: no square overflows. */
  function scaledMeanSquare(rows, p0, p1) {
    let m = 0, sq = 0;
    for (const i of rows) m = Math.max(m, Math.abs(U[i] * p0 + p1 - Y[i]));
    for (const i of rows) sq += ((U[i] * p0 + p1 - Y[i]) / m) ** 2;
    return m * (m * (sq / rows.length));  // sq / b <= 1, so the first product cannot overflow
  }

  /** Mean squared error over all the data at (p0, p1). */
  function fullLoss(p0, p1) {
    let sq = 0;
    for (let i = 0; i < N; i++) {
      const r = U[i] * p0 + p1 - Y[i];
      sq += r * r;
    }
    return sq / N;
  }

  // ------------------------------------------------------------------ state and URL

  const state = Object.assign({}, D.defaults);
  const notes = [];

  function clampNumber(name, text, lo, hi, integer) {
    const v = Number(text);
    if (text === null || text.trim() === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      notes.push(`ignored ${name}=${text}`);
      return null;
    }
    if (v < lo || v > hi) notes.push(`${name}=${text} is outside ${lo} to ${hi}`);
    return Math.min(hi, Math.max(lo, v));
  }

  function readUrl() {
    const q = new URLSearchParams(window.location.search);
    for (const key of q.keys()) {
      if (!(key in D.defaults)) notes.push(`ignored unknown setting ${key}`);
    }
    const get = (name) => (q.has(name) ? q.get(name) : null);
    let v;
    if (get("lr") !== null && (v = clampNumber("lr", get("lr"), LR_MIN, LR_MAX, false)) !== null) {
      state.lr = v;
    }
    if (get("momentum") !== null && (v = clampNumber("momentum", get("momentum"), 0, 0.99, false)) !== null) {
      state.momentum = v;
    }
    if (get("batch") !== null) {
      const text = get("batch").trim().toLowerCase();
      if (text === "full" || text === "n") state.batch = N;
      else if ((v = clampNumber("batch", text, 1, N, true)) !== null) state.batch = v;
    }
    if (get("steps") !== null && (v = clampNumber("steps", get("steps"), 1, MAX_STEPS, true)) !== null) {
      state.steps = v;
    }
    if (get("seed") !== null && (v = clampNumber("seed", get("seed"), 0, 999999, true)) !== null) {
      state.seed = v;
    }
  }

  function query() {
    return `?lr=${state.lr}&momentum=${state.momentum}&batch=${state.batch >= N ? "full" : state.batch}` +
      `&steps=${state.steps}&seed=${state.seed}`;
  }

  // ------------------------------------------------------------------ formatting

  function fmt(v, digits = 3) {
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(digits - 1).replace("e+", "e");
    return String(Number(v.toPrecision(digits)));
  }

  // ------------------------------------------------------------------ the controls

  const $ = (id) => document.getElementById(id);
  const el = {
    lr: $("sgdx-lr"), lrExact: $("sgdx-lr-exact"), lrValue: $("sgdx-lr-value"),
    bound: $("sgdx-bound"), boundLabel: $("sgdx-bound-label"), track: root.querySelector(".sgdx-track"),
    momentum: $("sgdx-momentum"), momentumValue: $("sgdx-momentum-value"),
    batch: $("sgdx-batch"), batchValue: $("sgdx-batch-value"),
    steps: $("sgdx-steps"), stepsValue: $("sgdx-steps-value"),
    seed: $("sgdx-seed"), status: $("sgdx-status"), link: $("sgdx-link"),
    play: $("sgdx-play"), reset: $("sgdx-reset"),
  };
  const logMin = Math.log10(LR_MIN), logMax = Math.log10(LR_MAX);

  function showControls() {
    el.lr.value = String(Math.log10(state.lr));
    el.lr.setAttribute("aria-valuetext", fmt(state.lr, 4));
    el.lrValue.textContent = fmt(state.lr, 4);
    if (document.activeElement !== el.lrExact) el.lrExact.value = String(state.lr);
    const b = bound(state.momentum);
    const frac = (Math.log10(b) - logMin) / (logMax - logMin);
    el.track.style.setProperty("--sgdx-bound", String(Math.min(1, Math.max(0, frac))));
    el.bound.dataset.lr = String(b);
    el.bound.hidden = !(frac >= 0 && frac <= 1);
    el.bound.dataset.side = frac > 0.7 ? "left" : frac < 0.3 ? "right" : "";
    const formula = state.momentum > 0 ? "(2 + 2β)/λ<sub>max</sub>" : "2/λ<sub>max</sub>";
    el.bound.innerHTML = `<span>${formula} = ${fmt(b, 3)}</span>`;
    el.boundLabel.textContent = `Full-batch gradient descent is stable below ` +
      `${state.momentum > 0 ? "(2 + 2β)/λmax" : "2/λmax"} = ${fmt(b, 4)} ` +
      `(λmax = ${fmt(LAMBDA_MAX, 4)}); the shaded part of the scale is past it.`;
    el.momentum.value = String(state.momentum);
    el.momentumValue.textContent = state.momentum.toFixed(2);
    el.momentum.setAttribute("aria-valuetext", state.momentum.toFixed(2));
    el.batch.value = String(state.batch);
    const batchText = state.batch >= N ? `${N} (full batch)` : String(state.batch);
    el.batchValue.textContent = batchText;
    el.batch.setAttribute("aria-valuetext", batchText);
    el.steps.value = String(state.steps);
    el.stepsValue.textContent = String(state.steps);
    el.steps.setAttribute("aria-valuetext", `${state.steps} updates`);
    if (document.activeElement !== el.seed) el.seed.value = String(state.seed);
    el.link.href = query();
  }

  // ------------------------------------------------------------------ drawing

  const views = {
    landscape: { canvas: $("sgdx-landscape") },
    data: { canvas: $("sgdx-data") },
    loss: { canvas: $("sgdx-loss") },
  };
  let colors = null;
  let run = null;  // the current run: {order, result}
  let frame = 0;  // updates shown (less than run.done while playing)

  function readColors() {
    const css = getComputedStyle(document.body);
    const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    colors = {
      fg: v("--color-foreground-primary", "#000"),
      fg2: v("--color-foreground-secondary", "#555"),
      muted: v("--color-foreground-muted", "#666"),
      grid: v("--color-background-border", "#ddd"),
      contour: v("--color-foreground-border", "#888"),
      bg: v("--color-background-primary", "#fff"),
      brand: v("--color-brand-content", v("--color-brand-primary", "#2962ff")),
      bad: v("--color-problematic", "#b30000"),
      font: `12px ${v("--font-stack", "sans-serif")}`,
    };
  }

  /** Size each canvas to its box (device pixels); forget the cached backgrounds. */
  function layout() {
    const dpr = window.devicePixelRatio || 1;
    for (const view of Object.values(views)) {
      const c = view.canvas;
      const w = Math.max(1, Math.round(c.clientWidth)), h = Math.max(1, Math.round(c.clientHeight));
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      view.w = w;
      view.h = h;
      view.dpr = dpr;
      view.ctx = c.getContext("2d");
      view.background = null;
    }
  }

  function niceTicks(lo, hi, count) {
    const raw = (hi - lo) / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / mag;
    const step = (f >= 7.5 ? 10 : f >= 3.5 ? 5 : f >= 1.5 ? 2 : 1) * mag;
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
      ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return ticks;
  }

  /** An x–y frame: margins, ranges, mapping; `log` makes the y axis logarithmic. */
  function frameOf(view, xlim, ylim, log) {
    const m = { l: 62, r: 20, t: 10, b: 34 };
    const fx = { x0: m.l, x1: view.w - m.r, y0: view.h - m.b, y1: m.t, xlim, ylim, log };
    const ty = (v) => (log ? Math.log10(v) : v);
    fx.sx = (v) => fx.x0 + ((v - xlim[0]) / (xlim[1] - xlim[0])) * (fx.x1 - fx.x0);
    fx.sy = (v) => fx.y0 + ((ty(v) - ty(ylim[0])) / (ty(ylim[1]) - ty(ylim[0]))) * (fx.y1 - fx.y0);
    return fx;
  }

  function drawAxes(ctx, fx, xlabel, ylabel) {
    ctx.save();
    ctx.font = colors.font;
    ctx.fillStyle = colors.fg2;
    ctx.strokeStyle = colors.grid;
    ctx.lineWidth = 1;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of niceTicks(fx.xlim[0], fx.xlim[1], Math.max(3, Math.min(6, (fx.x1 - fx.x0) / 70)))) {
      const x = Math.round(fx.sx(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, fx.y0);
      ctx.lineTo(x, fx.y1);
      ctx.stroke();
      ctx.fillText(fmt(t, 3), x, fx.y0 + 4);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    let yt;
    if (fx.log) {
      const lo = Math.ceil(Math.log10(fx.ylim[0])), hi = Math.floor(Math.log10(fx.ylim[1]));
      const every = Math.max(1, Math.ceil((hi - lo + 1) / 6));
      yt = [];
      for (let e = lo; e <= hi; e += every) yt.push(Math.pow(10, e));
    } else {
      yt = niceTicks(fx.ylim[0], fx.ylim[1], 5);
    }
    for (const t of yt) {
      const y = Math.round(fx.sy(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(fx.x0, y);
      ctx.lineTo(fx.x1, y);
      ctx.stroke();
      ctx.fillText(fx.log ? `1e${Math.round(Math.log10(t))}` : fmt(t, 3), fx.x0 - 5, y);
    }
    ctx.strokeStyle = colors.fg2;
    ctx.strokeRect(fx.x0 + 0.5, fx.y1 + 0.5, fx.x1 - fx.x0, fx.y0 - fx.y1);
    ctx.fillStyle = colors.fg;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(xlabel, (fx.x0 + fx.x1) / 2, fx.y0 + 32);
    ctx.translate(12, (fx.y0 + fx.y1) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(ylabel, 0, 0);
    ctx.restore();
  }

  function clipTo(ctx, fx) {
    ctx.beginPath();
    ctx.rect(fx.x0, fx.y1, fx.x1 - fx.x0, fx.y0 - fx.y1);
    ctx.clip();
  }

  /** Liang–Barsky: the part of segment a–b inside the box (x0..x1, y0..y1), or null. Keeps
      canvas coordinates small however far a diverging path goes. */
  function clipSegment(ax, ay, bx, by, x0, y0, x1, y1) {
    let t0 = 0, t1 = 1;
    const dx = bx - ax, dy = by - ay;
    const p = [-dx, dx, -dy, dy], q = [ax - x0, x1 - ax, ay - y0, y1 - ay];
    for (let i = 0; i < 4; i++) {
      if (p[i] === 0) {
        if (q[i] < 0) return null;
      } else {
        const r = q[i] / p[i];
        if (p[i] < 0) { if (r > t1) return null; if (r > t0) t0 = r; }
        else { if (r < t0) return null; if (r < t1) t1 = r; }
      }
    }
    return [ax + t0 * dx, ay + t0 * dy, ax + t1 * dx, ay + t1 * dy];
  }

  function strokePolyline(ctx, xs, ys, count, box) {
    ctx.beginPath();
    let penX = NaN, penY = NaN;
    for (let i = 1; i < count; i++) {
      const s = clipSegment(xs(i - 1), ys(i - 1), xs(i), ys(i), box[0], box[1], box[2], box[3]);
      if (!s) continue;
      if (s[0] !== penX || s[1] !== penY) ctx.moveTo(s[0], s[1]);
      ctx.lineTo(s[2], s[3]);
      penX = s[2];
      penY = s[3];
    }
    ctx.stroke();
  }

  function cross(ctx, x, y, r) {
    ctx.beginPath();
    ctx.moveTo(x - r, y - r);
    ctx.lineTo(x + r, y + r);
    ctx.moveTo(x - r, y + r);
    ctx.lineTo(x + r, y - r);
    ctx.stroke();
  }

  // The landscape: the loss is quadratic, so its contours are ellipses around the least-squares
  // answer, with axes along the Hessian's eigenvectors: L(p) = L* + ½ (p - p*)ᵀ H (p - p*).
  const H = (() => {
    let suu = 0, su = 0;
    for (let i = 0; i < N; i++) { suu += U[i] * U[i]; su += U[i]; }
    return [(2 / N) * suu, (2 / N) * su, 2];
  })();
  const EIG = (() => {  // eigen-decomposition of the symmetric 2 × 2 matrix [[a, b], [b, c]]
    const [a, b, c] = H;
    const mid = (a + c) / 2, rad = Math.hypot((a - c) / 2, b);
    const l1 = mid - rad, l2 = mid + rad;
    const angle = 0.5 * Math.atan2(2 * b, a - c);  // direction of the larger eigenvalue
    return { values: [l1, l2], big: [Math.cos(angle), Math.sin(angle)],
             small: [-Math.sin(angle), Math.cos(angle)] };
  })();
  const SPAN = [Math.max(1, 1.35 * Math.abs(D.init[0] - LSQ[0])),
                Math.max(1, 1.35 * Math.abs(D.init[1] - LSQ[1]))];
  const LAND_X = [LSQ[0] - SPAN[0], LSQ[0] + SPAN[0]];
  const LAND_Y = [LSQ[1] - SPAN[1], LSQ[1] + SPAN[1]];
  const LEVELS = Array.from({ length: 12 }, (_, j) => 0.01 * Math.pow(2.5, j));

  function background(view, paint) {
    if (!view.background) {
      const off = document.createElement("canvas");
      off.width = view.canvas.width;
      off.height = view.canvas.height;
      const ctx = off.getContext("2d");
      ctx.scale(view.dpr, view.dpr);
      paint(ctx);
      view.background = off;
    }
    const ctx = view.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, view.canvas.width, view.canvas.height);
    ctx.drawImage(view.background, 0, 0);
    ctx.setTransform(view.dpr, 0, 0, view.dpr, 0, 0);
  }

  function drawLandscape() {
    const view = views.landscape;
    const fx = frameOf(view, LAND_X, LAND_Y, false);
    background(view, (ctx) => {
      drawAxes(ctx, fx, "slope", "intercept");
      ctx.save();
      clipTo(ctx, fx);
      ctx.strokeStyle = colors.contour;
      ctx.lineWidth = 1;
      for (const level of LEVELS) {
        const ra = Math.sqrt((2 * level) / EIG.values[1]), rb = Math.sqrt((2 * level) / EIG.values[0]);
        ctx.beginPath();
        for (let k = 0; k <= 96; k++) {
          const th = (2 * Math.PI * k) / 96, ca = ra * Math.cos(th), cb = rb * Math.sin(th);
          const x = fx.sx(LSQ[0] + ca * EIG.big[0] + cb * EIG.small[0]);
          const y = fx.sy(LSQ[1] + ca * EIG.big[1] + cb * EIG.small[1]);
          if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        }
        ctx.stroke();
      }
      ctx.restore();
    });
    const ctx = view.ctx;
    const r = run.result, p = r.params, count = Math.min(frame, r.done) + 1;
    ctx.save();
    clipTo(ctx, fx);
    ctx.strokeStyle = colors.brand;
    ctx.lineWidth = 1.5;
    ctx.lineJoin = "round";
    const box = [fx.x0 - 5, fx.y1 - 5, fx.x1 + 5, fx.y0 + 5];
    strokePolyline(ctx, (i) => fx.sx(p[2 * i]), (i) => fx.sy(p[2 * i + 1]), count, box);
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(fx.sx(D.init[0]), fx.sy(D.init[1]), 5, 0, 2 * Math.PI);
    ctx.stroke();
    const ex = fx.sx(p[2 * count - 2]), ey = fx.sy(p[2 * count - 1]);
    ctx.fillStyle = colors.brand;
    if (ex >= fx.x0 && ex <= fx.x1 && ey >= fx.y1 && ey <= fx.y0) {
      ctx.beginPath();
      ctx.arc(ex, ey, 4, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.strokeStyle = colors.fg;
    ctx.lineWidth = 2;
    cross(ctx, fx.sx(LSQ[0]), fx.sy(LSQ[1]), 6);
    ctx.restore();
    legend(ctx, fx, count - 1);
  }

  function legend(ctx, fx, shown) {
    const r = run.result;
    const lines = [`least squares ×  (${fmt(LSQ[0], 4)}, ${fmt(LSQ[1], 4)})`];
    if (r.diverged !== null && shown >= r.done) lines.push(`overflowed at update ${r.diverged}`);
    ctx.save();
    ctx.font = colors.font;
    ctx.textAlign = "right";
    ctx.textBaseline = "top";
    lines.forEach((text, i) => {
      const w = ctx.measureText(text).width;
      ctx.fillStyle = colors.bg;
      ctx.fillRect(fx.x1 - w - 10, fx.y1 + 4 + 16 * i, w + 8, 16);
      ctx.fillStyle = i === 0 ? colors.fg : colors.bad;
      ctx.fillText(text, fx.x1 - 6, fx.y1 + 6 + 16 * i);
    });
    ctx.restore();
  }

  const UX = (() => {
    let lo = Infinity, hi = -Infinity;
    for (const u of U) { lo = Math.min(lo, u); hi = Math.max(hi, u); }
    return [lo, hi];
  })();
  const DATA_X = [UX[0] - 0.05 * (UX[1] - UX[0]), UX[1] + 0.05 * (UX[1] - UX[0])];
  const DATA_Y = (() => {
    let lo = Infinity, hi = -Infinity;
    for (const y of Y) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
    const pad = 0.1 * (hi - lo);
    return [lo - pad, hi + pad];
  })();

  function drawData() {
    const view = views.data;
    const fx = frameOf(view, DATA_X, DATA_Y, false);
    background(view, (ctx) => {
      drawAxes(ctx, fx, "u (the input)", "y");
      ctx.fillStyle = colors.fg2;
      ctx.globalAlpha = 0.7;
      for (let i = 0; i < N; i++) {
        ctx.beginPath();
        ctx.arc(fx.sx(U[i]), fx.sy(Y[i]), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      ctx.save();
      clipTo(ctx, fx);
      ctx.strokeStyle = colors.fg;
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(fx.sx(DATA_X[0]), fx.sy(LSQ[0] * DATA_X[0] + LSQ[1]));
      ctx.lineTo(fx.sx(DATA_X[1]), fx.sy(LSQ[0] * DATA_X[1] + LSQ[1]));
      ctx.stroke();
      ctx.restore();
    });
    const ctx = view.ctx;
    const r = run.result, shown = Math.min(frame, r.done);
    const a = r.params[2 * shown], b = r.params[2 * shown + 1];
    ctx.save();
    clipTo(ctx, fx);
    ctx.strokeStyle = colors.brand;
    ctx.lineWidth = 2.5;
    const box = [fx.x0 - 5, fx.y1 - 5, fx.x1 + 5, fx.y0 + 5];
    const s = clipSegment(fx.sx(DATA_X[0]), fx.sy(a * DATA_X[0] + b), fx.sx(DATA_X[1]),
                          fx.sy(a * DATA_X[1] + b), box[0], box[1], box[2], box[3]);
    if (s) {
      ctx.beginPath();
      ctx.moveTo(s[0], s[1]);
      ctx.lineTo(s[2], s[3]);
      ctx.stroke();
    }
    ctx.restore();
    ctx.save();
    ctx.font = colors.font;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillStyle = r.diverged !== null && shown >= r.done ? colors.bad : colors.fg;
    const label = r.diverged !== null && shown >= r.done
      ? `overflowed at update ${r.diverged}`
      : `update ${shown}: y = ${fmt(a, 3)} u ${b < 0 ? "−" : "+"} ${fmt(Math.abs(b), 3)}`;
    ctx.fillText(label, fx.x0 + 6, fx.y1 + 6);
    ctx.restore();
  }

  function drawLoss() {
    const view = views.loss;
    const r = run.result, shown = Math.min(frame, r.done), L = r.losses;
    let lo = LSQ_LOSS, hi = LSQ_LOSS;
    for (let t = 0; t < r.done; t++) {
      const v = L[t];
      if (v > 0 && v < lo) lo = v;
      if (v > hi) hi = v;
    }
    lo = Math.pow(10, Math.floor(Math.log10(lo) - 0.05));
    hi = Math.min(1e308, Math.pow(10, Math.ceil(Math.log10(hi) + 0.05)));
    const total = Math.max(1, run.order.length);
    const fx = frameOf(view, [0, total], [lo, hi], true);
    // The axes depend on the run, so this background is remade when they change.
    const key = `${total}|${lo}|${hi}`;
    if (view.key !== key) view.background = null;
    view.key = key;
    background(view, (ctx) => {
      drawAxes(ctx, fx, "update", "loss (log scale)");
      ctx.save();
      clipTo(ctx, fx);
      ctx.strokeStyle = colors.fg;
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      ctx.moveTo(fx.x0, fx.sy(LSQ_LOSS));
      ctx.lineTo(fx.x1, fx.sy(LSQ_LOSS));
      ctx.stroke();
      ctx.restore();
    });
    const ctx = view.ctx;
    ctx.save();
    clipTo(ctx, fx);
    ctx.strokeStyle = colors.brand;
    ctx.lineWidth = 1.5;
    const tiny = 1e-300;  // a loss of exactly 0 sits at the bottom edge
    const box = [fx.x0 - 5, fx.y1 - 5, fx.x1 + 5, fx.y0 + 5];
    strokePolyline(ctx, (t) => fx.sx(t), (t) => fx.sy(Math.max(L[t], tiny)), shown, box);
    if (r.diverged !== null && shown >= r.done) {
      const x = fx.sx(r.diverged);
      ctx.strokeStyle = colors.bad;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, fx.y0);
      ctx.lineTo(x, fx.y1);
      ctx.stroke();
      ctx.font = colors.font;
      ctx.fillStyle = colors.bad;
      ctx.textAlign = x > (fx.x0 + fx.x1) / 2 ? "right" : "left";
      ctx.textBaseline = "top";
      ctx.fillText(`overflow at update ${r.diverged}`, x + (ctx.textAlign === "right" ? -4 : 4), fx.y1 + 6);
    }
    ctx.restore();
  }

  function draw() {
    drawLandscape();
    drawData();
    drawLoss();
  }

  // ------------------------------------------------------------------ running and reporting

  function compute() {
    const order = batchOrder(state.batch, state.steps, state.seed);
    run = { order, result: descend(state.lr, state.momentum, order) };
    frame = run.result.done;
  }

  function summary() {
    const r = run.result, b = bound(state.momentum);
    const settings = `lr ${fmt(state.lr, 4)}, β ${state.momentum.toFixed(2)}, ` +
      `${state.batch >= N ? "full batch" : `batch ${state.batch}`}`;
    if (r.diverged !== null) {
      return { bad: true, text: `Diverged (${settings}): the loss overflowed to infinity at ` +
        `update ${r.diverged} (counting from 0). The stable bound of full-batch gradient descent ` +
        `here is ${fmt(b, 4)}.` };
    }
    const end = r.done, p0 = r.params[2 * end], p1 = r.params[2 * end + 1];
    const start = fullLoss(D.init[0], D.init[1]), last = fullLoss(p0, p1);
    if (!(last <= start)) {
      return { bad: true, text: `Diverging (${settings}): the loss on all the data grew from ` +
        `${fmt(start, 3)} to ${fmt(last, 3)} in ${end} updates` +
        (state.lr > b ? `; lr is past the stable bound ${fmt(b, 4)}.` : ".") };
    }
    return { bad: false, text: `After ${end} updates (${settings}): loss on all the data ` +
      `${fmt(last, 4)} (least squares: ${fmt(LSQ_LOSS, 4)}), slope ${fmt(p0, 4)}, ` +
      `intercept ${fmt(p1, 4)}.` + (state.lr > b ? ` lr is past the full-batch bound ${fmt(b, 4)}.` : "") };
  }

  let statusTimer = 0;
  function report(now) {
    clearTimeout(statusTimer);
    const write = () => {
      const s = summary();
      const prefix = notes.length ? `Note: ${notes.splice(0).join("; ")}. ` : "";
      el.status.textContent = prefix + s.text;
      el.status.classList.toggle("sgdx-bad", s.bad);
      root.dataset.diverged = run.result.diverged === null ? "" : String(run.result.diverged);
    };
    // A polite announcement once the control rests, not one per slider tick.
    if (now) write(); else statusTimer = setTimeout(write, 250);
  }

  let anim = 0;
  function stop() {
    if (anim) cancelAnimationFrame(anim);
    anim = 0;
    el.play.textContent = "Play the descent";
  }

  function update(now) {
    stop();
    compute();
    showControls();
    draw();
    history.replaceState(null, "", query());
    report(now);
  }

  function play() {
    if (anim) { stop(); frame = run.result.done; draw(); return; }
    const total = run.result.done;
    if (reduceMotion.matches || total === 0) {  // no motion: the whole descent at once
      frame = total;
      draw();
      return;
    }
    const ms = Math.min(3000, Math.max(800, 12 * total));
    const t0 = performance.now();
    el.play.textContent = "Stop";
    const tick = (now) => {
      frame = Math.min(total, Math.round(((now - t0) / ms) * total));
      draw();
      if (frame < total) anim = requestAnimationFrame(tick); else stop();
    };
    frame = 0;
    draw();
    anim = requestAnimationFrame(tick);
  }

  // ------------------------------------------------------------------ wiring

  el.lr.addEventListener("input", () => {
    state.lr = Number(Math.pow(10, Number(el.lr.value)).toPrecision(3));
    update(false);
  });
  el.lrExact.addEventListener("change", () => {
    const v = Number(el.lrExact.value);
    if (Number.isFinite(v) && v > 0) state.lr = Math.min(LR_MAX, Math.max(LR_MIN, v));
    else el.lrExact.value = String(state.lr);
    update(false);
  });
  el.momentum.addEventListener("input", () => { state.momentum = Number(el.momentum.value); update(false); });
  el.batch.addEventListener("input", () => { state.batch = Number(el.batch.value); update(false); });
  el.steps.addEventListener("input", () => { state.steps = Number(el.steps.value); update(false); });
  el.seed.addEventListener("input", () => {
    const v = Number(el.seed.value);
    if (Number.isInteger(v) && v >= 0 && v <= 999999) { state.seed = v; update(false); }
  });
  el.play.addEventListener("click", play);
  el.reset.addEventListener("click", () => { Object.assign(state, D.defaults); update(false); });
  root.querySelector("form").addEventListener("submit", (e) => e.preventDefault());

  function restyle() {
    readColors();
    for (const view of Object.values(views)) view.background = null;
    draw();
  }
  new MutationObserver(restyle).observe(document.body, { attributes: true, attributeFilter: ["data-theme"] });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", restyle);
  let resizeFrame = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => { layout(); draw(); });
  }).observe($("sgdx-app"));

  // Show the explorer instead of the static figure.
  $("sgdx-static").hidden = true;
  $("sgdx-app").hidden = false;
  readUrl();
  readColors();
  layout();
  compute();
  showControls();
  draw();
  report(true);

  // ------------------------------------------------------------------ test hook

  /** For the browser check (tools/check_site.py); not used by the page. */
  window.sgdExplorer = {
    /** Run with given settings; `order` (an array of batches of indices) replaces the
        page's own shuffling, `steps` and `batch` then being read from it. */
    run(opts) {
      const order = opts.order || batchOrder(opts.batch ?? N, opts.steps, opts.seed ?? 0);
      const r = descend(opts.lr, opts.momentum ?? 0, order);
      const params = [];
      for (let i = 0; i <= r.done; i++) params.push([r.params[2 * i], r.params[2 * i + 1]]);
      return { params, losses: Array.from(r.losses), diverged: r.diverged };
    },
    state: () => Object.assign({ done: run.result.done, diverged: run.result.diverged,
                                 frame, bound: bound(state.momentum) }, state),
    bound,
    hessianEigenvalues: () => EIG.values.slice(),
    /** Median milliseconds of `repeats` full redraws (the run computed and all three views
        drawn), each finished by reading one pixel back from every canvas, which makes the
        browser rasterise what was drawn. `cold`: the cached backgrounds (axes, contours, data
        points) are redrawn too, as after a resize or a theme switch. */
    redrawTime(repeats, cold = false) {
      const times = [];
      for (let k = 0; k < repeats; k++) {
        if (cold) for (const view of Object.values(views)) view.background = null;
        const t0 = performance.now();
        compute();
        draw();
        for (const view of Object.values(views)) view.ctx.getImageData(0, 0, 1, 1);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return { median: times[Math.floor(times.length / 2)], max: times[times.length - 1] };
    },
    reducedMotion: () => reduceMotion.matches,
    colors: () => Object.assign({}, colors),
  };
})();
