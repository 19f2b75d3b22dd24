/* The Explorer (docs/explorer.rst): gradient descent and SGD on the tutorials' data, redrawn as
   the controls move. Plain JavaScript and canvas; loads nothing. Every number it starts from
   (the data of each input range, least-squares answers, eigenvalues, bounds) is in the JSON
   block #sgdx-json, written at build time by docs/_ext/explorer.py from the package.

   One update, the package's (sgd_tutorial.optimize), feeds every view. For each batch b:
     r = x_b p - y_b,  loss = mean(r²),  g = (2/|b|) x_bᵀ r,  v = β v + g,  p = p - lr_t v
   with x = [u, 1], the loss recorded before the update, and lr_t the schedule's rate at update
   t (constant: lr). Full batch (|b| = n) is gradient_descent, the rows in order. Smaller
   batches are iter_sgd: each epoch, torch.randperm(n) from a generator seeded with the seed
   (torch's CPU generator, Mersenne Twister MT19937, reproduced below), cut into batches, the
   last one shorter when |b| does not divide n. The views then read that one run: its path, the
   loss of each batch and of all the data, the excess over the least-squares loss, the error
   along each eigenvector of the Hessian; the rate map is the theory of the full-batch run. */
(function () {
  "use strict";

  const root = document.getElementById("sgd-explorer");
  if (!root) return;
  const D = JSON.parse(document.getElementById("sgdx-json").textContent);
  const N = D.n;
  const [LR_MIN, LR_MAX] = D.lr_range;
  const MAX_STEPS = D.max_steps;
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // ------------------------------------------------------------------ the problems

  /** One input range's data, with its Hessian H = (2/n) xᵀx and H's eigenvectors. */
  function makeProblem(key) {
    const d = D.problems[key];
    const U = Float64Array.from(d.u), Y = Float64Array.from(d.y);
    let suu = 0, su = 0;
    for (let i = 0; i < N; i++) { suu += U[i] * U[i]; su += U[i]; }
    const [a, b, c] = [(2 / N) * suu, (2 / N) * su, 2];
    // The symmetric 2 × 2 [[a, b], [b, c]]: λmax from the mean and the radius, λmin from the
    // determinant (no cancellation); the angle is the direction of λmax.
    const big = (a + c) / 2 + Math.hypot((a - c) / 2, b);
    const angle = 0.5 * Math.atan2(2 * b, a - c);
    return {
      key, U, Y, H: [a, b, c], half: Number(key),  // inputs u in (−half, half)
      lsq: d.least_squares, lsqLoss: d.least_squares_loss,
      lam: d.hessian_eigenvalues,  // the package's, ascending: what the rates use
      eig: [(a * c - b * b) / big, big],  // the page's own, to check against the package's
      vec: [[-Math.sin(angle), Math.cos(angle)], [Math.cos(angle), Math.sin(angle)]],
      curvature: d.sample_curvature,
      bound: (beta) => (2 + 2 * beta) / d.hessian_eigenvalues[1],  // max_stable_lr
    };
  }
  const PROBLEMS = {};
  for (const key of Object.keys(D.problems)) PROBLEMS[key] = makeProblem(key);

  // ------------------------------------------------------------------ torch's CPU generator

  /** MT19937 seeded as torch.Generator().manual_seed(seed): 32-bit draws, as random(). */
  function mt19937(seed) {
    const s = new Uint32Array(624);
    s[0] = seed >>> 0;
    for (let j = 1; j < 624; j++) {
      const prev = s[j - 1] ^ (s[j - 1] >>> 30);
      s[j] = Math.imul(1812433253, prev) + j;
    }
    let next = 624;
    return function () {
      if (next >= 624) {
        for (let k = 0; k < 624; k++) {
          const y = (s[k] & 0x80000000) | (s[(k + 1) % 624] & 0x7fffffff);
          s[k] = s[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
        }
        next = 0;
      }
      let y = s[next++];
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      return y >>> 0;
    };
  }

  /** torch.randperm(n) on the CPU (n < 2³²/20): swap i with i + random() % (n - i). */
  function randperm(n, random) {
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = 0; i < n - 1; i++) {
      const z = i + (random() % (n - i));
      const tmp = perm[i];
      perm[i] = perm[z];
      perm[z] = tmp;
    }
    return perm;
  }

  /** The batches of `steps` updates: full batch in order, else iter_sgd's shuffled epochs. */
  function batchOrder(batch, steps, seed) {
    const out = [];
    if (batch >= N) {
      const all = Int32Array.from({ length: N }, (_, i) => i);
      for (let t = 0; t < steps; t++) out.push(all);
      return out;
    }
    const random = mt19937(seed);
    while (out.length < steps) {
      const perm = randperm(N, random);
      for (let lo = 0; lo < N && out.length < steps; lo += batch) {
        out.push(perm.subarray(lo, Math.min(lo + batch, N)));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ schedules (tutorial 11)

  /** The rate of update t of T, as torch.optim.lr_scheduler sets it (StepLR, LambdaLR,
      CosineAnnealingLR with T_max = T). */
  const SCHEDULES = {
    constant: (lr) => lr,
    step: (lr, t, T) => lr * Math.pow(0.2, Math.floor(t / Math.max(1, Math.floor(T / 4)))),
    inverse: (lr, t) => lr / (1 + t / 50),
    cosine: (lr, t, T) => (lr * (1 + Math.cos((Math.PI * t) / T))) / 2,
  };

  // ------------------------------------------------------------------ the update

  /** Run `order.length` updates of problem P with settings s; stop at the first non-finite
      loss or parameters, as the package's DivergenceError does (`diverged`: that update). */
  function descend(P, s, order) {
    const { U, Y } = P, steps = order.length, beta = s.momentum, rate = SCHEDULES[s.schedule];
    const params = new Float64Array(2 * (steps + 1));
    const losses = new Float64Array(steps);
    let p0 = D.init[0], p1 = D.init[1], v0 = 0, v1 = 0;
    params[0] = p0;
    params[1] = p1;
    let done = steps, diverged = null;
    for (let t = 0; t < steps; t++) {
      const rows = order[t], b = rows.length, lr = rate(s.lr, t, steps);
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
      const loss = sq === Infinity ? scaledMeanSquare(P, rows, p0, p1) : sq / b;
      v0 = beta * v0 + (2 / b) * s0;
      v1 = beta * v1 + (2 / b) * s1;
      p0 -= lr * v0;
      p1 -= lr * v1;
      if (!(Number.isFinite(loss) && Number.isFinite(p0) && Number.isFinite(p1))) {
        done = diverged = t;
        break;
      }
      losses[t] = loss;
      params[2 * t + 2] = p0;
      params[2 * t + 3] = p1;
    }
    return { params: params.subarray(0, 2 * done + 2), losses: losses.subarray(0, done),
             done, diverged, steps };
  }

  /** mean(r²) over `rows` at (p0, p1) as m² · mean((r/m)²), m = max |r|: no square overflows. */
  function scaledMeanSquare(P, rows, p0, p1) {
    const { U, Y } = P;
    let m = 0, sq = 0;
    for (const i of rows) m = Math.max(m, Math.abs(U[i] * p0 + p1 - Y[i]));
    for (const i of rows) sq += ((U[i] * p0 + p1 - Y[i]) / m) ** 2;
    return m * (m * (sq / rows.length));  // sq / b <= 1, so the first product cannot overflow
  }

  // ------------------------------------------------------------------ the theory

  /** Heavy ball on one eigen-direction: e' = (1 + β − lr·λ) e − β e_prev. Its rate is the
      larger |root| of z² − (1 + β − lr·λ) z + β (β = 0: |1 − lr·λ|). */
  function directionRate(lam, lr, beta) {
    const b = 1 + beta - lr * lam, disc = b * b - 4 * beta;
    return disc < 0 ? Math.sqrt(beta) : (Math.abs(b) + Math.sqrt(disc)) / 2;
  }
  function worstRoot(P, lr, beta) {
    return Math.max(directionRate(P.lam[0], lr, beta), directionRate(P.lam[1], lr, beta));
  }

  function median(values) {
    const v = Float64Array.from(values).sort(), h = v.length >> 1;
    return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
  }

  /** What the views show of a run: the loss on all the data and its excess over the
      least-squares loss, L(p) − L* = ½ dᵀHd with d = p − p* (exact: nothing cancels), the
      error along each eigenvector, the full-batch rate's guide, the noise floor, the verdict. */
  function measure(P, s, r) {
    const T = r.done, [a, b, c] = P.H, q = P.vec, rate = SCHEDULES[s.schedule];
    const excess = new Float64Array(T + 1), full = new Float64Array(T + 1);
    const errors = [new Float64Array(T + 1), new Float64Array(T + 1)];
    const guides = [new Float64Array(T + 1), new Float64Array(T + 1)];
    for (let t = 0; t <= T; t++) {
      const d0 = r.params[2 * t] - P.lsq[0], d1 = r.params[2 * t + 1] - P.lsq[1];
      excess[t] = 0.5 * (a * d0 * d0 + 2 * b * d0 * d1 + c * d1 * d1);
      full[t] = P.lsqLoss + excess[t];
      for (let k = 0; k < 2; k++) {
        errors[k][t] = Math.abs(q[k][0] * d0 + q[k][1] * d1);
        const lr = rate(s.lr, t - 1, r.steps);
        guides[k][t] = t === 0 ? errors[k][0] : guides[k][t - 1] * directionRate(P.lam[k], lr, s.momentum);
      }
    }
    const h = Math.ceil(T / 2), quarter = Math.max(1, T >> 2);
    const floor = T > 0 ? median(excess.subarray(T - h + 1)) : excess[0];
    const factors = errors.map((e) => (T > 0 ? Math.pow(e[T] / e[0], 1 / T) : NaN));
    const lastLr = rate(s.lr, Math.max(0, T - 1), r.steps);
    // Full batch: the theory is exact, the worst |root| at the last rate says it. Minibatches:
    // diverging when the last quarter's median excess is tenfold the quarter before's; still
    // converging while the full-batch part of the error (the guides) is above the noise floor,
    // or the schedule lowers the rate, and the floor with it; else hovering at the floor.
    let verdict = "converging";
    if (r.diverged !== null) verdict = "diverged";
    else if (excess[T] > excess[0]) verdict = "diverging";
    else if (s.batch >= N && worstRoot(P, lastLr, s.momentum) > 1) verdict = "diverging";
    else if (s.batch < N) {
      const late = median(excess.subarray(T - quarter + 1));
      const before = median(excess.subarray(Math.max(0, T - 2 * quarter + 1), T - quarter + 1));
      const transient = 0.5 * (P.lam[0] * guides[0][T] ** 2 + P.lam[1] * guides[1][T] ** 2);
      if (late > 10 * before) verdict = "diverging";
      else if (transient < 0.1 * floor && s.schedule === "constant") verdict = "hovering";
    }
    let lowest = 0;
    for (let t = 1; t <= T; t++) if (full[t] < full[lowest]) lowest = t;
    return { excess, full, errors, guides, floor, factors, verdict, lowest,
             rate: worstRoot(P, lastLr, s.momentum), lastLr };
  }

  /** A run of settings s: the batches, the update, and what the views show of it. */
  function runOf(s, order) {
    const P = PROBLEMS[s.range];
    order = order || batchOrder(s.batch, s.steps, s.seed);
    const r = descend(P, s, order);
    return Object.assign(r, measure(P, s, r), { settings: Object.assign({}, s), P, order });
  }

  // ------------------------------------------------------------------ state and URL

  const KEYS = ["lr", "momentum", "batch", "steps", "seed", "range", "schedule"];
  const PIN_KEYS = KEYS.filter((k) => k !== "range");  // a pinned run shares the data
  const state = Object.assign({}, D.defaults);
  let pinned = null;  // the pinned run's settings, or null
  const notes = [];

  /** Read `text` as setting `key` into `into`; note and skip what is not a valid value. */
  function setFrom(into, key, text) {
    const limits = { lr: [LR_MIN, LR_MAX], momentum: [0, 0.99], batch: [1, N],
                     steps: [1, MAX_STEPS], seed: [0, 999999] };
    text = text.trim();
    if (key === "range" || key === "schedule") {
      if (text in (key === "range" ? D.problems : D.schedules)) into[key] = text;
      else notes.push(`ignored ${key}=${text}`);
      return;
    }
    if (key === "batch" && (text === "full" || text === "n")) { into.batch = N; return; }
    const v = Number(text), [lo, hi] = limits[key];
    const integer = key === "batch" || key === "steps" || key === "seed";
    if (text === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      notes.push(`ignored ${key}=${text}`);
      return;
    }
    if (v < lo || v > hi) notes.push(`${key}=${text} is outside ${lo} to ${hi}`);
    into[key] = Math.min(hi, Math.max(lo, v));
  }

  /** Settings from a query string: the defaults, then what it names; `pin` lists the pinned
      run's differences from them as key:value pairs (pin=lr:0.1,batch:full). */
  function readQuery(search) {
    const q = new URLSearchParams(search);
    Object.assign(state, D.defaults);
    pinned = null;
    for (const [key, value] of q) {
      if (KEYS.includes(key)) setFrom(state, key, value);
      else if (key !== "pin") notes.push(`ignored unknown setting ${key}`);
    }
    if (q.has("pin")) {
      pinned = Object.assign({}, state);
      for (const pair of q.get("pin").split(",").filter(Boolean)) {
        const [key, value = ""] = pair.split(":");
        if (PIN_KEYS.includes(key)) setFrom(pinned, key, value);
        else notes.push(`ignored pinned setting ${pair}`);
      }
    }
  }

  const text = (s, key) => (key === "batch" && s.batch >= N ? "full" : String(s[key]));
  /** The address of the current settings (and of the pinned run's differences). */
  function query() {
    let out = "?" + KEYS.map((k) => `${k}=${text(state, k)}`).join("&");
    if (pinned) {
      const diff = PIN_KEYS.filter((k) => pinned[k] !== state[k]);
      out += "&pin=" + diff.map((k) => `${k}:${text(pinned, k)}`).join(",");
    }
    return out;
  }

  // ------------------------------------------------------------------ formatting

  function fmt(v, digits = 3) {
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(digits - 1).replace("e+", "e");
    return String(Number(v.toPrecision(digits)));
  }
  const minus = (v) => (v < 0 ? "−" + fmt(-v, 4) : fmt(v, 4));

  // ------------------------------------------------------------------ the controls

  const $ = (id) => document.getElementById(id);
  function control(name, label, field, hint) {
    return `<div class="sgdx-control" id="sgdx-${name}-control"><label for="sgdx-${name}">` +
      `${label}</label><output id="sgdx-${name}-value" for="sgdx-${name}"></output>${field}` +
      `<p class="sgdx-hint" id="sgdx-${name}-hint">${hint}</p></div>`;
  }
  function slider(name, label, lo, hi, step, hint) {
    return control(name, label, `<input type="range" id="sgdx-${name}" name="${name}" ` +
      `min="${lo}" max="${hi}" step="${step}" aria-describedby="sgdx-${name}-hint">`, hint);
  }
  const VIEWS = {  // id: [what the canvas shows, its caption]
    landscape: ["Loss landscape over slope and intercept with the path of the parameters",
      "Loss over (slope, intercept): contours, the least-squares answer (×) and the path " +
      "from the start (○); a pinned run is drawn in orange in every view."],
    data: ["The data with the current line",
      "The data, the current line and the least-squares line (dashed)."],
    loss: ["Loss against the update, log scale",
      "Loss of each update's batch (faint) and on all the data (solid), log scale; dashed: " +
      "the least-squares loss."],
    excess: ["Excess loss over the least-squares loss against the update, log scale",
      "Loss on all the data above the least-squares loss, ½ dᵀHd for d = p − p*, log scale; " +
      "dotted: the noise floor, the median over the last half of the run."],
    eigen: ["Error along each eigenvector of the Hessian against the update, log scale",
      "Error along each eigenvector qᵢ of the Hessian, |qᵢ · (p − p*)|, log scale; dotted: " +
      "the full-batch rate |1 − ηλᵢ|ᵗ (with momentum, the heavy ball's)."],
    map: ["Map of the full-batch convergence rate over learning rate and momentum; arrow " +
      "keys move the settings",
      "Full-batch rate over (lr, β), the worst |root| of each eigen-direction's recurrence, " +
      "coloured by the updates it takes to cut the error tenfold; lines: each direction's " +
      "bound (2 + 2β)/λᵢ; ○: these settings, ◇: pinned, +: the fastest. Click it, or focus " +
      "it and use the arrow keys."],
  };

  const [logMin, logMax] = [Math.log10(LR_MIN), Math.log10(LR_MAX)];
  const app = document.createElement("div");
  app.className = "sgdx-app";
  app.id = "sgdx-app";
  app.innerHTML =
    '<form class="sgdx-controls" id="sgdx-form" aria-label="Explorer settings">' +
    control("lr", 'Learning rate <span class="sgdx-unit">(log scale)</span>',
      '<div class="sgdx-track"><input type="range" id="sgdx-lr" name="lr" ' +
      `min="${logMin}" max="${logMax}" step="0.005" aria-describedby="sgdx-lr-hint">` +
      '<div class="sgdx-unstable" aria-hidden="true"></div>' +
      '<div class="sgdx-bound" id="sgdx-bound" aria-hidden="true"></div></div>' +
      '<label class="sgdx-exact" for="sgdx-lr-exact">exact value <input type="number" ' +
      `id="sgdx-lr-exact" min="${LR_MIN}" max="${LR_MAX}" step="any"></label>`, "") +
    slider("momentum", "Momentum β", 0, 0.99, 0.01,
      "Heavy ball, as <code>torch.optim.SGD</code>: v = βv + g, p = p − lr·v.") +
    slider("batch", "Batch size", 1, N, 1, `1 to ${N}; ${N} is full-batch gradient descent.`) +
    slider("steps", "Updates", 1, MAX_STEPS, 1, "Number of parameter updates.") +
    control("seed", "Shuffling seed", '<input type="number" id="sgdx-seed" name="seed" ' +
      'min="0" max="999999" step="1" aria-describedby="sgdx-seed-hint">',
      "Each epoch's order is <code>torch.randperm</code> from this seed, as in " +
      "<code>iter_sgd</code>.") +
    '<fieldset class="sgdx-control" id="sgdx-range-control" aria-describedby="sgdx-range-hint">' +
    "<legend>Inputs u</legend>" + Object.values(PROBLEMS).map((P) =>
      `<label><input type="radio" name="range" value="${P.key}"> (−${P.half}, ${P.half})</label>`
    ).join("") + '<p class="sgdx-hint" id="sgdx-range-hint"></p></fieldset>' +
    control("schedule", "Learning-rate schedule", '<select id="sgdx-schedule" name="schedule" ' +
      'aria-describedby="sgdx-schedule-hint">' + Object.entries(D.schedules).map(([k, v]) =>
        `<option value="${k}">${v}</option>`).join("") + "</select>",
      "As in tutorial 11: step: ×0.2 every quarter of the run; 1/t: lr/(1 + t/50); cosine: " +
      "down to 0 at the last update.") +
    '<div class="sgdx-buttons"><button type="button" id="sgdx-play">Play the descent</button>' +
    '<button type="button" id="sgdx-pin" aria-pressed="false">Pin this run</button>' +
    '<button type="button" id="sgdx-reset">Tutorial settings</button>' +
    '<a id="sgdx-link" href="?">Link to these settings</a></div></form>' +
    '<p class="sgdx-status" id="sgdx-status" role="status" aria-live="polite" ' +
    'aria-atomic="true"></p><div class="sgdx-views">' +
    Object.entries(VIEWS).map(([key, [label, caption]]) =>
      `<figure class="sgdx-view" id="sgdx-${key}-view"><canvas id="sgdx-${key}" role="img" ` +
      `aria-label="${label}"${key === "map" ? ' tabindex="0"' : ""}></canvas>` +
      `<figcaption>${caption}</figcaption></figure>`).join("") + "</div>";
  root.prepend(app);

  const el = {
    lr: $("sgdx-lr"), lrExact: $("sgdx-lr-exact"), lrValue: $("sgdx-lr-value"),
    lrHint: $("sgdx-lr-hint"), bound: $("sgdx-bound"), track: root.querySelector(".sgdx-track"),
    momentum: $("sgdx-momentum"), momentumValue: $("sgdx-momentum-value"),
    batch: $("sgdx-batch"), batchValue: $("sgdx-batch-value"),
    steps: $("sgdx-steps"), stepsValue: $("sgdx-steps-value"),
    seed: $("sgdx-seed"), ranges: root.querySelectorAll('input[name="range"]'),
    rangeHint: $("sgdx-range-hint"), schedule: $("sgdx-schedule"),
    status: $("sgdx-status"), link: $("sgdx-link"),
    play: $("sgdx-play"), pin: $("sgdx-pin"), reset: $("sgdx-reset"),
  };

  function showControls() {
    const P = PROBLEMS[state.range];
    el.lr.value = String(Math.log10(state.lr));
    el.lr.setAttribute("aria-valuetext", fmt(state.lr, 4));
    el.lrValue.textContent = fmt(state.lr, 4);
    if (document.activeElement !== el.lrExact) el.lrExact.value = String(state.lr);
    const b = P.bound(state.momentum);
    const frac = (Math.log10(b) - logMin) / (logMax - logMin);
    el.track.style.setProperty("--sgdx-bound", String(Math.min(1, Math.max(0, frac))));
    el.bound.dataset.lr = String(b);
    el.bound.hidden = !(frac >= 0 && frac <= 1);
    el.bound.dataset.side = frac > 0.7 ? "left" : frac < 0.3 ? "right" : "";
    const formula = state.momentum > 0 ? "(2 + 2β)/λmax" : "2/λmax";
    el.bound.innerHTML = `<span>${formula} = ${fmt(b, 3)}</span>`;
    el.lrHint.textContent = `The mark is the full-batch bound: gradient descent is stable ` +
      `below ${formula} = ${fmt(b, 4)} (λmax = ${fmt(P.lam[1], 4)}); the shaded part of the ` +
      `scale is past it. Minibatches can diverge below it.`;
    el.momentum.value = String(state.momentum);
    el.momentumValue.textContent = fmt(state.momentum, 3);
    el.momentum.setAttribute("aria-valuetext", fmt(state.momentum, 3));
    el.batch.value = String(state.batch);
    const batchText = state.batch >= N ? `${N} (full batch)` : String(state.batch);
    el.batchValue.textContent = batchText;
    el.batch.setAttribute("aria-valuetext", batchText);
    el.steps.value = String(state.steps);
    el.stepsValue.textContent = String(state.steps);
    el.steps.setAttribute("aria-valuetext", `${state.steps} updates`);
    if (document.activeElement !== el.seed) el.seed.value = String(state.seed);
    for (const radio of el.ranges) radio.checked = radio.value === state.range;
    el.rangeHint.textContent = `Condition number κ = λmax/λmin = ${fmt(P.lam[1] / P.lam[0], 3)}` +
      ` (λ = ${fmt(P.lam[0], 3)}, ${fmt(P.lam[1], 4)}): (−1, 1) is the lesson's data, ` +
      `(−30, 30) tutorial 6's.`;
    el.schedule.value = state.schedule;
    el.pin.textContent = pinned ? "Unpin" : "Pin this run";
    el.pin.setAttribute("aria-pressed", String(Boolean(pinned)));
    el.link.href = query();
  }

  // ------------------------------------------------------------------ drawing

  const views = {};
  for (const key of Object.keys(VIEWS)) views[key] = { canvas: $(`sgdx-${key}`) };
  let colors = null;
  let run = null, pinRun = null;  // the current and the pinned run
  let frame = 0;  // updates shown (less than run.done while playing)
  let hover = null;  // the map's point under the pointer: [lr, β]

  function readColors() {
    const css = getComputedStyle(document.body), own = getComputedStyle(root);
    const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    colors = {
      fg: v("--color-foreground-primary", "#000"),
      fg2: v("--color-foreground-secondary", "#555"),
      grid: v("--color-background-border", "#ddd"),
      contour: v("--color-foreground-border", "#888"),
      bg: v("--color-background-primary", "#fff"),
      brand: v("--color-brand-content", v("--color-brand-primary", "#2962ff")),
      bad: v("--color-problematic", "#b30000"),
      pin: own.getPropertyValue("--sgdx-pin").trim() || "#b35900",
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
      Object.assign(view, { w, h, dpr, ctx: c.getContext("2d"), background: null, key: null });
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

  /** An x–y frame: margins, ranges, mapping; `logX`, `logY` make an axis logarithmic. */
  function frameOf(view, xlim, ylim, logY, logX = false, right = 18) {
    const fx = { x0: 58, x1: view.w - right, y0: view.h - 34, y1: 8, xlim, ylim, logX, logY };
    const tx = (v) => (logX ? Math.log10(v) : v), ty = (v) => (logY ? Math.log10(v) : v);
    fx.sx = (v) => fx.x0 + ((tx(v) - tx(xlim[0])) / (tx(xlim[1]) - tx(xlim[0]))) * (fx.x1 - fx.x0);
    fx.sy = (v) => fx.y0 + ((ty(v) - ty(ylim[0])) / (ty(ylim[1]) - ty(ylim[0]))) * (fx.y1 - fx.y0);
    fx.ix = (x) => {  // the inverse of sx
      const f = tx(xlim[0]) + ((x - fx.x0) / (fx.x1 - fx.x0)) * (tx(xlim[1]) - tx(xlim[0]));
      return logX ? Math.pow(10, f) : f;
    };
    fx.iy = (y) => ylim[0] + ((y - fx.y0) / (fx.y1 - fx.y0)) * (ylim[1] - ylim[0]);
    return fx;
  }

  function logTicks(lim) {
    const lo = Math.ceil(Math.log10(lim[0]) - 1e-9), hi = Math.floor(Math.log10(lim[1]) + 1e-9);
    const every = Math.max(1, Math.ceil((hi - lo + 1) / 6)), out = [];
    for (let e = lo; e <= hi; e += every) out.push(Math.pow(10, e));
    return out;
  }
  const logLabel = (t) => {
    const e = Math.round(Math.log10(t));
    return e >= -2 && e <= 3 ? String(Number(t.toPrecision(1))) : `1e${e}`;
  };

  function drawAxes(ctx, fx, xlabel, ylabel) {
    ctx.save();
    ctx.font = colors.font;
    ctx.fillStyle = colors.fg2;
    ctx.strokeStyle = colors.grid;
    ctx.lineWidth = 1;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const xt = fx.logX ? logTicks(fx.xlim)
      : niceTicks(fx.xlim[0], fx.xlim[1], Math.max(3, Math.min(6, (fx.x1 - fx.x0) / 70)));
    for (const t of xt) {
      const x = Math.round(fx.sx(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, fx.y0);
      ctx.lineTo(x, fx.y1);
      ctx.stroke();
      ctx.fillText(fx.logX ? logLabel(t) : fmt(t, 3), x, fx.y0 + 4);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const yt = fx.logY ? logTicks(fx.ylim) : niceTicks(fx.ylim[0], fx.ylim[1], 5);
    for (const t of yt) {
      const y = Math.round(fx.sy(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(fx.x0, y);
      ctx.lineTo(fx.x1, y);
      ctx.stroke();
      ctx.fillText(fx.logY ? logLabel(t) : fmt(t, 3), fx.x0 - 5, y);
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

  /** Stroke points 0..count-1 of (xs(i), ys(i)), clipped to the frame, in one style; every
      `style.every`-th point only (and the last), for smooth curves such as the guides. */
  function polyline(ctx, fx, xs, ys, count, style) {
    const box = [fx.x0 - 5, fx.y1 - 5, fx.x1 + 5, fx.y0 + 5];
    ctx.save();
    clipTo(ctx, fx);
    ctx.strokeStyle = style.color;
    ctx.lineWidth = style.width || 1.5;
    ctx.globalAlpha = style.alpha || 1;
    ctx.lineJoin = style.join || "bevel";
    ctx.setLineDash(style.dash || []);
    ctx.beginPath();
    let penX = NaN, penY = NaN;
    const every = style.every || 1;
    for (let j = 0, i = Math.min(every, count - 1); j < count - 1; j = i, i = Math.min(i + every, count - 1)) {
      const s = clipSegment(xs(j), ys(j), xs(i), ys(i), box[0], box[1], box[2], box[3]);
      if (!s) continue;
      if (s[0] !== penX || s[1] !== penY) ctx.moveTo(s[0], s[1]);
      ctx.lineTo(s[2], s[3]);
      penX = s[2];
      penY = s[3];
    }
    ctx.stroke();
    ctx.restore();
  }

  function cross(ctx, x, y, r) {
    ctx.beginPath();
    ctx.moveTo(x - r, y - r);
    ctx.lineTo(x + r, y + r);
    ctx.moveTo(x - r, y + r);
    ctx.lineTo(x + r, y - r);
    ctx.stroke();
  }

  /** Lines of text at the frame's top right (`left`: top left), on the background colour. */
  function legend(ctx, fx, lines, left = false) {
    ctx.save();
    ctx.font = colors.font;
    ctx.textAlign = left ? "left" : "right";
    ctx.textBaseline = "top";
    lines.forEach(([text, color], i) => {
      const w = ctx.measureText(text).width, x = left ? fx.x0 + 6 : fx.x1 - 6;
      ctx.fillStyle = colors.bg;
      ctx.globalAlpha = 0.85;
      ctx.fillRect(left ? x - 3 : x - w - 3, fx.y1 + 3 + 16 * i, w + 6, 16);
      ctx.globalAlpha = 1;
      ctx.fillStyle = color;
      ctx.fillText(text, x, fx.y1 + 5 + 16 * i);
    });
    ctx.restore();
  }

  /** Paint the view's cached background (axes, contours...), remade when `key` changes. */
  function background(view, key, paint) {
    if (!view.background || view.key !== key) {
      const off = document.createElement("canvas");
      off.width = view.canvas.width;
      off.height = view.canvas.height;
      const ctx = off.getContext("2d");
      ctx.scale(view.dpr, view.dpr);
      paint(ctx);
      view.background = off;
      view.key = key;
    }
    const ctx = view.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, view.canvas.width, view.canvas.height);
    ctx.drawImage(view.background, 0, 0);
    ctx.setTransform(view.dpr, 0, 0, view.dpr, 0, 0);
    return ctx;
  }

  const shownOf = (r) => Math.min(frame, r.done);
  const runs = () => (pinRun ? [[pinRun, "pin"], [run, "run"]] : [[run, "run"]]);
  // Each run in its colour, the pinned one orange. A minibatch run's series zigzag from one
  // update to the next: they are drawn 1px wide and solid, which a software canvas strokes
  // some 20 times faster than a wider or dashed zigzag (the 16 ms budget); full-batch runs are
  // smooth and get a thicker line.
  const styleOf = (kind, extra = {}) =>
    Object.assign({ color: kind === "pin" ? colors.pin : colors.brand }, extra);
  const widthOf = (r, full = 2) => (r.settings.batch >= N ? full : 1);
  const overflowLine = (r) => (r.diverged !== null && frame >= r.done
    ? [[`overflowed at update ${r.diverged}`, colors.bad]] : []);

  function drawLandscape() {
    const view = views.landscape, P = run.P;
    const span = [Math.max(1, 1.35 * Math.abs(D.init[0] - P.lsq[0])),
                  Math.max(1, 1.35 * Math.abs(D.init[1] - P.lsq[1]))];
    const fx = frameOf(view, [P.lsq[0] - span[0], P.lsq[0] + span[0]],
                       [P.lsq[1] - span[1], P.lsq[1] + span[1]], false);
    const ctx = background(view, P.key, (ctx) => {
      drawAxes(ctx, fx, "slope", "intercept");
      ctx.save();
      clipTo(ctx, fx);
      ctx.strokeStyle = colors.contour;
      // The loss is quadratic: its contours are ellipses around p*, along H's eigenvectors.
      const top = 0.5 * P.lam[1] * span[0] * span[0] + 0.5 * P.lam[0] * span[1] * span[1];
      for (let j = 0; j < 12; j++) {
        const level = top * Math.pow(0.45, j);
        const ra = Math.sqrt((2 * level) / P.eig[1]), rb = Math.sqrt((2 * level) / P.eig[0]);
        ctx.beginPath();
        for (let k = 0; k <= 96; k++) {
          const th = (2 * Math.PI * k) / 96, ca = ra * Math.cos(th), cb = rb * Math.sin(th);
          const x = fx.sx(P.lsq[0] + ca * P.vec[1][0] + cb * P.vec[0][0]);
          const y = fx.sy(P.lsq[1] + ca * P.vec[1][1] + cb * P.vec[0][1]);
          if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        }
        ctx.stroke();
      }
      ctx.restore();
    });
    for (const [r, kind] of runs()) {
      const p = r.params, count = shownOf(r) + 1;
      polyline(ctx, fx, (i) => fx.sx(p[2 * i]), (i) => fx.sy(p[2 * i + 1]), count,
               styleOf(kind, { join: "round", width: widthOf(r, 1.5) }));
      const ex = fx.sx(p[2 * count - 2]), ey = fx.sy(p[2 * count - 1]);
      if (ex >= fx.x0 && ex <= fx.x1 && ey >= fx.y1 && ey <= fx.y0) {
        ctx.fillStyle = styleOf(kind).color;
        ctx.beginPath();
        ctx.arc(ex, ey, 4, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.strokeStyle = colors.fg;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(fx.sx(D.init[0]), fx.sy(D.init[1]), 5, 0, 2 * Math.PI);
    ctx.stroke();
    cross(ctx, fx.sx(P.lsq[0]), fx.sy(P.lsq[1]), 6);
    legend(ctx, fx, [[`least squares ×  (${fmt(P.lsq[0], 4)}, ${fmt(P.lsq[1], 4)})`, colors.fg],
                    ...overflowLine(run)]);
  }

  function drawData() {
    const view = views.data, P = run.P;
    let [ulo, uhi, ylo, yhi] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < N; i++) {
      ulo = Math.min(ulo, P.U[i]); uhi = Math.max(uhi, P.U[i]);
      ylo = Math.min(ylo, P.Y[i]); yhi = Math.max(yhi, P.Y[i]);
    }
    const xlim = [ulo - 0.05 * (uhi - ulo), uhi + 0.05 * (uhi - ulo)];
    const fx = frameOf(view, xlim, [ylo - 0.1 * (yhi - ylo), yhi + 0.1 * (yhi - ylo)], false);
    const line = (a, b) => [fx.sx(xlim[0]), fx.sy(a * xlim[0] + b), fx.sx(xlim[1]),
                            fx.sy(a * xlim[1] + b)];
    const ctx = background(view, P.key, (ctx) => {
      drawAxes(ctx, fx, "u (the input)", "y");
      ctx.fillStyle = colors.fg2;
      ctx.globalAlpha = 0.7;
      for (let i = 0; i < N; i++) {
        ctx.beginPath();
        ctx.arc(fx.sx(P.U[i]), fx.sy(P.Y[i]), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      const [ax, ay, bx, by] = line(P.lsq[0], P.lsq[1]);
      polyline(ctx, fx, (i) => (i ? bx : ax), (i) => (i ? by : ay), 2,
               { color: colors.fg, dash: [5, 4] });
    });
    const lines = [];
    for (const [r, kind] of runs()) {
      const t = shownOf(r), a = r.params[2 * t], b = r.params[2 * t + 1];
      const [ax, ay, bx, by] = line(a, b);
      polyline(ctx, fx, (i) => (i ? bx : ax), (i) => (i ? by : ay), 2,
               styleOf(kind, { width: 2.5 }));
      lines.push([`${kind === "pin" ? "pinned, " : ""}update ${t}: y = ${fmt(a, 3)} u ` +
                  `${b < 0 ? "−" : "+"} ${fmt(Math.abs(b), 3)}`, styleOf(kind).color]);
    }
    legend(ctx, fx, lines.concat(overflowLine(run)), true);
  }

  /** A log-scale y range holding the positive values of `arrays`, down to at most 24 decades
      below the smallest first value (rounding, or a guide going to 0, would squash the rest:
      what is lower sits at the bottom). */
  function logRange(arrays) {
    let lo = Infinity, hi = -Infinity, start = Infinity;
    for (const a of arrays) {
      if (a[0] > 0) start = Math.min(start, a[0]);
      for (const v of a) {
        if (v > 0 && v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!(lo < Infinity)) lo = hi = 1;
    lo = Math.max(lo, start * 1e-24);
    lo = Math.pow(10, Math.floor(Math.log10(lo) - 0.05));
    hi = Math.min(1e308, Math.pow(10, Math.ceil(Math.log10(hi) + 0.05)));
    return [lo, hi <= lo ? lo * 10 : hi];
  }

  /** A log-scale view of per-update series: `series(r, kind)` gives [values, style] pairs. */
  function drawSeries(view, ylabel, series, extra) {
    const all = [];
    for (const [r, kind] of runs()) for (const [values] of series(r, kind)) all.push(values);
    const ylim = logRange(all);
    const total = Math.max(1, run.settings.steps, pinRun ? pinRun.settings.steps : 1);
    const fx = frameOf(view, [0, total], ylim, true);
    const ctx = background(view, `${total}|${ylim}`, (ctx) => drawAxes(ctx, fx, "update", ylabel));
    for (const [r, kind] of runs()) {
      const count = shownOf(r) + 1;
      for (const [values, style] of series(r, kind)) {
        const n = Math.min(count, values.length);
        polyline(ctx, fx, (t) => fx.sx(t), (t) => fx.sy(Math.max(values[t], 1e-300)), n, style);
      }
    }
    if (extra) extra(ctx, fx);
    const r = run;
    if (r.diverged !== null && frame >= r.done) {
      ctx.save();
      ctx.strokeStyle = colors.bad;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(fx.sx(r.diverged), fx.y0);
      ctx.lineTo(fx.sx(r.diverged), fx.y1);
      ctx.stroke();
      ctx.restore();
    }
    return { ctx, fx };
  }

  function drawLoss() {
    const { ctx, fx } = drawSeries(views.loss, "loss (log scale)", (r, kind) => [
      [r.losses, styleOf(kind, { width: 1, alpha: 0.45 })],
      [r.full, styleOf(kind, { width: widthOf(r, 2.2) })],
    ], (ctx, fx) => {
      const y = fx.sy(run.P.lsqLoss);
      polyline(ctx, fx, (i) => (i ? fx.x1 : fx.x0), () => y, 2,
               { color: colors.fg, dash: [5, 4], width: 1 });
    });
    legend(ctx, fx, [["faint: each batch, solid: all the data", colors.fg], ...overflowLine(run)]);
  }

  function drawExcess() {
    const { ctx, fx } = drawSeries(views.excess, "excess loss (log scale)", (r, kind) => [
      [r.excess, styleOf(kind, { width: widthOf(r) })],
    ]);
    const lines = [];
    for (const [r, kind] of runs()) {
      if (r.verdict !== "hovering" || frame < r.done) continue;
      const y = fx.sy(r.floor), style = styleOf(kind, { dash: [2, 3], width: 1.5 });
      polyline(ctx, fx, (i) => (i ? fx.x1 : fx.sx(r.done / 2)), () => y, 2, style);
      lines.push([`${kind === "pin" ? "pinned " : ""}floor ${fmt(r.floor, 3)}`, style.color]);
    }
    legend(ctx, fx, lines.concat(overflowLine(run)));
  }

  function drawEigen() {
    const { ctx, fx } = drawSeries(views.eigen, "error along qᵢ (log scale)", (r, kind) => [0, 1]
      .flatMap((k) => [
        [r.errors[k], styleOf(kind, { width: k ? 1 : widthOf(r, 2.2), alpha: k ? 0.6 : 1 })],
        [r.guides[k], { color: colors.fg, dash: [1, 3], width: 1.2, every: Math.ceil(r.done / 100),
                        alpha: kind === "pin" ? 0.5 : 1 }],
      ]));
    const P = run.P, s = run.settings, lr = run.lastLr;
    legend(ctx, fx, [1, 0].map((k) => [
      `${k ? "steep" : "flat"} λ ${fmt(P.lam[k], 3)}${k ? " (faint)" : " (solid)"}: ` +
      `${s.momentum > 0 ? "rate" : "|1 − ηλ|"} ${fmt(directionRate(P.lam[k], lr, s.momentum), 3)}`,
      colors.fg]).concat(overflowLine(run)));
  }

  // The rate map: worst |root| over a grid of (lr, β), coloured by log10 of the updates that
  // cut the error tenfold, ln 10 / −ln(rate), from 1 (dark) to 1000 (light); past 1, hatched.
  const MAP_BETA = [0, 0.99], MAP_CELL = 3;  // CSS pixels per cell
  const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function viridis(t) {
    const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1), i = Math.min(3, Math.floor(x));
    return VIRIDIS[i].map((c, j) => Math.round(c + (x - i) * (VIRIDIS[i + 1][j] - c)));
  }
  const VIRIDIS_LUT = Array.from({ length: 256 }, (_, k) => viridis(k / 255));
  const HATCH = [[200, 200, 200], [120, 120, 120]];  // past the bound: stripes
  const tenfold = (rate) => (rate <= 0 ? 0 : Math.log(10) / -Math.log(rate));
  let grid = null;  // the map's cells: {cols, rows, values, fx, key}

  function mapFrame(view) {
    return frameOf(view, [LR_MIN, LR_MAX], MAP_BETA, false, true, 46);
  }

  function drawMap() {
    const view = views.map, P = run.P, fx = mapFrame(view);
    const ctx = background(view, P.key, (ctx) => {
      const cols = Math.ceil((fx.x1 - fx.x0) / MAP_CELL), rows = Math.ceil((fx.y0 - fx.y1) / MAP_CELL);
      const values = new Float64Array(cols * rows), img = new ImageData(cols, rows);
      const bad = colors.bad, px = img.data;
      for (let j = 0; j < rows; j++) {
        const beta = MAP_BETA[1] - ((j + 0.5) / rows) * (MAP_BETA[1] - MAP_BETA[0]);
        for (let i = 0; i < cols; i++) {
          const lr = Math.pow(10, logMin + ((i + 0.5) / cols) * (logMax - logMin));
          const rate = (values[j * cols + i] = worstRoot(P, lr, beta));
          const shade = Math.min(255, Math.round(85 * Math.log10(Math.max(1, tenfold(rate)))));
          const rgb = rate < 1 ? VIRIDIS_LUT[shade]
            : (i + j) % 4 < 2 ? HATCH[0] : HATCH[1];
          const at = 4 * (j * cols + i);
          px[at] = rgb[0];
          px[at + 1] = rgb[1];
          px[at + 2] = rgb[2];
          px[at + 3] = 255;
        }
      }
      grid = { cols, rows, values, key: P.key };
      const cells = document.createElement("canvas");
      cells.width = cols;
      cells.height = rows;
      cells.getContext("2d").putImageData(img, 0, 0);
      drawAxes(ctx, fx, "learning rate (log scale)", "momentum β");
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(cells, fx.x0, fx.y1, cols * MAP_CELL, rows * MAP_CELL);
      // Each direction's bound, lr = (2 + 2β)/λᵢ, and the fastest (lr, β) of the heavy ball.
      for (const k of [0, 1]) {
        const at = (i) => MAP_BETA[0] + (i / 40) * (MAP_BETA[1] - MAP_BETA[0]);
        polyline(ctx, fx, (i) => fx.sx((2 + 2 * at(i)) / P.lam[k]), (i) => fx.sy(at(i)), 41,
                 { color: k ? bad : colors.fg, width: 2, dash: k ? [] : [5, 3] });
      }
      const sq = P.lam.map(Math.sqrt), kappa = Math.sqrt(P.lam[1] / P.lam[0]);
      ctx.strokeStyle = colors.fg;
      ctx.lineWidth = 2;
      const best = [4 / (sq[0] + sq[1]) ** 2, ((kappa - 1) / (kappa + 1)) ** 2];
      const bx = fx.sx(best[0]), by = fx.sy(best[1]);
      ctx.beginPath();
      ctx.moveTo(bx - 6, by); ctx.lineTo(bx + 6, by); ctx.moveTo(bx, by - 6); ctx.lineTo(bx, by + 6);
      ctx.stroke();
      // The colour bar: updates per tenfold smaller error.
      const x = fx.x1 + 8, bar = ctx.createLinearGradient(0, fx.y0, 0, fx.y1);
      VIRIDIS.forEach((rgb, i) => bar.addColorStop(i / (VIRIDIS.length - 1), `rgb(${rgb})`));
      ctx.fillStyle = bar;
      ctx.fillRect(x, fx.y1, 10, fx.y0 - fx.y1);
      ctx.font = colors.font;
      ctx.fillStyle = colors.fg2;
      ctx.textBaseline = "middle";
      for (const e of [0, 1, 2, 3]) {
        ctx.fillText(String(10 ** e), x + 13, fx.y0 - (e / 3) * (fx.y0 - fx.y1));
      }
    });
    const mark = (s, kind) => {
      const x = fx.sx(s.lr), y = fx.sy(s.momentum);
      for (const [color, width] of [[colors.bg, 4.5], [kind === "pin" ? colors.pin : colors.fg, 2]]) {
        ctx.strokeStyle = color;
        ctx.lineWidth = width;
        ctx.beginPath();
        if (kind === "pin") {
          ctx.moveTo(x, y - 7); ctx.lineTo(x + 7, y); ctx.lineTo(x, y + 7); ctx.lineTo(x - 7, y);
          ctx.closePath();
        } else ctx.arc(x, y, 6, 0, 2 * Math.PI);
        ctx.stroke();
      }
    };
    for (const [r, kind] of runs()) mark(r.settings, kind);
    const [lr, beta] = hover || [run.settings.lr, run.settings.momentum];
    const rate = worstRoot(run.P, lr, beta);
    legend(ctx, fx, [[`lr ${fmt(lr, 3)}, β ${fmt(beta, 3)}: rate ${fmt(rate, 4)}` +
      (rate < 1 ? `, ÷10 in ${fmt(tenfold(rate), 3)} updates` : ", diverges"), colors.fg]], true);
  }

  const DRAW = { landscape: drawLandscape, data: drawData, loss: drawLoss, excess: drawExcess,
                 eigen: drawEigen, map: drawMap };
  function draw() {
    for (const key of Object.keys(DRAW)) DRAW[key]();
  }

  // ------------------------------------------------------------------ running and reporting

  function compute() {
    run = runOf(state);
    frame = run.done;
  }

  function describe(s) {
    const schedule = s.schedule === "constant" ? "" : ` (${D.schedules[s.schedule]} schedule)`;
    return `lr ${fmt(s.lr, 4)}${schedule}, β ${fmt(s.momentum, 3)}, ` +
      (s.batch >= N ? "full batch" : `batch ${s.batch}, seed ${s.seed}`) +
      `, inputs in (−${PROBLEMS[s.range].half}, ${PROBLEMS[s.range].half})`;
  }

  /** The status: what the chart shows, then which bound the mark is and where lr stands. */
  function summary(r) {
    const s = r.settings, P = r.P, T = r.done, b = P.bound(s.momentum);
    const formula = s.momentum > 0 ? "(2 + 2β)/λmax" : "2/λmax";
    let text;
    if (r.verdict === "diverged") {
      text = `Diverged (${describe(s)}): the loss overflowed at update ${r.diverged} ` +
        `(counting from 0).`;
    } else if (r.verdict === "diverging") {
      text = `Diverging (${describe(s)}): after ${T} updates the loss on all the data is ` +
        `${fmt(r.full[T])}, up from ${fmt(r.full[r.lowest])} at update ${r.lowest}` +
        (s.batch >= N && r.rate > 1 ? `, and the error along the steep direction grows ` +
          `×${fmt(r.rate, 4)} per update (see the eigenvector view).` : ".");
    } else {
      text = `${r.verdict === "hovering" ? "Hovering" : "Converging"} (${describe(s)}): after ` +
        `${T} updates the loss on all the data is ${fmt(r.full[T], 4)} (least squares: ` +
        `${fmt(P.lsqLoss, 4)}), slope ${minus(r.params[2 * T])}, intercept ` +
        `${minus(r.params[2 * T + 1])}.` + (r.verdict === "hovering" ? " Its excess over the " +
        `least-squares loss has levelled off: the noise floor, its median over the last half, ` +
        `is ${fmt(r.floor)}.` : s.batch >= N ? "" : s.schedule !== "constant"
          ? ` The schedule lowers the rate to ${fmt(r.lastLr)} at the last update, and the ` +
            `noise floor with it.`
          : ` The excess is still falling: the full-batch part of the error has not died out.`);
    }
    if (s.batch >= N) {
      text += s.lr > b ? ` lr is past the full-batch bound ${formula} = ${fmt(b, 4)} (the mark).`
        : ` lr is below the full-batch bound ${formula} = ${fmt(b, 4)} (the mark)` +
          (r.rate <= 1 ? `: each update multiplies every direction's error by at most ` +
            `${fmt(r.rate, 4)}.` : ".");
    } else if (s.lr > b) {
      text += ` lr is past the mark, ${fmt(b, 4)}, the full-batch bound ${formula}.`;
    } else {
      text += ` The mark, ${fmt(b, 4)}, is the full-batch bound ${formula}: one sample's loss ` +
        `has curvature 2(1 + u²), up to ${fmt(P.curvature, 4)} here, so minibatches can ` +
        `diverge below it.`;
    }
    return text;
  }

  let statusTimer = 0, started = false;
  /** Write the status and the address (Chromium refetches the favicon at every history
      change), at once or, while a control moves, once it rests. */
  function report(now, push = false) {
    clearTimeout(statusTimer);
    const write = () => {
      if (started && query() !== window.location.search) {
        history[push ? "pushState" : "replaceState"](null, "", query());
      }
      const prefix = notes.length ? `Note: ${notes.splice(0).join("; ")}. ` : "";
      const pin = pinRun ? ` Pinned: ${pinRun.verdict}` + (pinRun.diverged !== null
        ? ` (overflow at update ${pinRun.diverged})` : pinRun.settings.batch < N
          ? ` (noise floor ${fmt(pinRun.floor)})` : ` (loss ${fmt(pinRun.full[pinRun.done], 4)})`) +
        `, ${describe(pinRun.settings)}.` : "";
      el.status.textContent = prefix + summary(run) + pin;
      el.status.classList.toggle("sgdx-bad", run.verdict.startsWith("diverg"));
      root.dataset.verdict = run.verdict;
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

  function update(now, push = false) {
    stop();
    if (pinned && pinned.range !== state.range) {
      pinned = null;
      notes.push("the pinned run was on the other inputs, so it was unpinned");
    }
    pinRun = pinned ? runOf(pinned) : null;
    compute();
    showControls();
    draw();
    report(now, push);
  }

  function play() {
    if (anim) { stop(); frame = run.done; draw(); return; }
    const total = run.done;
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

  const on = (node, event, handler) => node.addEventListener(event, handler);
  on(el.lr, "input", () => {
    state.lr = Number(Math.pow(10, Number(el.lr.value)).toPrecision(3));
    update(false);
  });
  on(el.lrExact, "change", () => {
    const v = Number(el.lrExact.value);
    if (Number.isFinite(v) && v > 0) state.lr = Math.min(LR_MAX, Math.max(LR_MIN, v));
    else el.lrExact.value = String(state.lr);
    update(false);
  });
  on(el.momentum, "input", () => { state.momentum = Number(el.momentum.value); update(false); });
  on(el.batch, "input", () => { state.batch = Number(el.batch.value); update(false); });
  on(el.steps, "input", () => { state.steps = Number(el.steps.value); update(false); });
  on(el.seed, "input", () => {
    const v = Number(el.seed.value);
    if (el.seed.value !== "" && Number.isInteger(v) && v >= 0 && v <= 999999) {
      state.seed = v;
      update(false);
    }
  });
  for (const radio of el.ranges) {
    on(radio, "change", () => { if (radio.checked) { state.range = radio.value; update(false); } });
  }
  on(el.schedule, "change", () => { state.schedule = el.schedule.value; update(false); });
  on(el.play, "click", play);
  on(el.pin, "click", () => {
    pinned = pinned ? null : Object.assign({}, state);
    update(true);
  });
  on(el.reset, "click", () => { Object.assign(state, D.defaults); pinned = null; update(false); });
  on($("sgdx-form"), "submit", (e) => e.preventDefault());

  // The map sets (lr, β): a click, or the arrow keys when it has the focus.
  const mapCanvas = views.map.canvas;
  function mapPoint(event) {
    const box = mapCanvas.getBoundingClientRect(), fx = mapFrame(views.map);
    const x = event.clientX - box.left, y = event.clientY - box.top;
    if (x < fx.x0 || x > fx.x1 || y < fx.y1 || y > fx.y0) return null;
    return [Number(fx.ix(x).toPrecision(3)), Math.round(100 * fx.iy(y)) / 100];
  }
  on(mapCanvas, "click", (event) => {
    const point = mapPoint(event);
    if (point) { [state.lr, state.momentum] = point; update(false); }
  });
  on(mapCanvas, "mousemove", (event) => { hover = mapPoint(event); drawMap(); });
  on(mapCanvas, "mouseleave", () => { hover = null; drawMap(); });
  on(mapCanvas, "keydown", (event) => {
    const lr = { ArrowLeft: -0.02, ArrowRight: 0.02 }[event.key];
    const beta = { ArrowDown: -0.01, ArrowUp: 0.01, PageDown: -0.1, PageUp: 0.1 }[event.key];
    if (lr === undefined && beta === undefined) return;
    event.preventDefault();
    event.stopPropagation();  // the arrows would otherwise turn the page (navigation_with_keys)
    if (lr) state.lr = Number(Math.min(LR_MAX, Math.max(LR_MIN, state.lr * 10 ** lr)).toPrecision(3));
    if (beta) state.momentum = Math.round(100 * Math.min(0.99, Math.max(0, state.momentum + beta))) / 100;
    update(false);
  });

  // The guided questions (docs/explorer.rst, after this script): each link sets the page to
  // its settings, and Back returns to the ones before.
  on(document, "click", (event) => {
    const link = event.target.closest && event.target.closest("a.sgdx-ask");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    readQuery(new URL(link.href).search);
    update(true, true);
    app.scrollIntoView({ behavior: reduceMotion.matches ? "auto" : "smooth" });
  });
  on(window, "popstate", () => { readQuery(window.location.search); update(true); });

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
  }).observe(app);

  readQuery(window.location.search);
  readColors();
  layout();
  update(true);
  started = true;  // the address stays as it came until a setting changes

  // ------------------------------------------------------------------ test hook

  /** For the browser test (tests/test_explorer.py); not used by the page. */
  const plain = (r) => ({
    params: Array.from({ length: r.done + 1 }, (_, i) => [r.params[2 * i], r.params[2 * i + 1]]),
    losses: Array.from(r.losses), full: Array.from(r.full), excess: Array.from(r.excess),
    errors: r.errors.map((e) => Array.from(e)), guides: r.guides.map((g) => Array.from(g)),
    diverged: r.diverged, done: r.done, verdict: r.verdict, floor: r.floor,
    factors: r.factors, rate: r.rate,
    rates: r.P.lam.map((lam) => directionRate(lam, r.lastLr, r.settings.momentum)),
  });
  window.sgdExplorer = {
    /** A run with settings `opts` (defaults for the rest); `order`, an array of batches of
        indices, replaces the seeded shuffling. */
    run(opts) {
      const s = Object.assign({}, D.defaults, opts);
      if (s.batch === "full") s.batch = N;
      const r = runOf(s, opts.order && opts.order.map((b) => Int32Array.from(b)));
      return Object.assign(plain(r), { order: r.order.map((b) => Array.from(b)) });
    },
    /** `epochs` successive torch.randperm(n) from torch.Generator().manual_seed(seed). */
    randperm(n, seed, epochs = 1) {
      const random = mt19937(seed);
      return Array.from({ length: epochs }, () => Array.from(randperm(n, random)));
    },
    state: () => Object.assign(plain(run), state, {
      frame, bound: run.P.bound(state.momentum), status: el.status.textContent,
      pin: pinRun ? Object.assign(plain(pinRun), pinRun.settings) : null }),
    rate: (lr, beta, range = state.range) => worstRoot(PROBLEMS[range], lr, beta),
    /** The map's cell holding (lr, β): its centre and the rate drawn there. */
    mapCell(lr, beta) {
      const fx = mapFrame(views.map);
      const cell = (v, n) => Math.min(n - 1, Math.max(0, Math.floor(v / MAP_CELL)));
      const i = cell(fx.sx(lr) - fx.x0, grid.cols), j = cell(fx.sy(beta) - fx.y1, grid.rows);
      return { lr: Math.pow(10, logMin + ((i + 0.5) / grid.cols) * (logMax - logMin)),
               beta: MAP_BETA[1] - ((j + 0.5) / grid.rows) * (MAP_BETA[1] - MAP_BETA[0]),
               rate: grid.values[j * grid.cols + i], range: grid.key };
    },
    /** Where (lr, β) is on the map, in page coordinates (for a click). */
    mapPosition(lr, beta) {
      const fx = mapFrame(views.map), box = mapCanvas.getBoundingClientRect();
      return { x: box.left + fx.sx(lr), y: box.top + fx.sy(beta) };
    },
    hessianEigenvalues: (range = state.range) => PROBLEMS[range].eig.slice(),
    leastSquares: (range = state.range) => PROBLEMS[range].lsq.slice(),
    /** Median and largest milliseconds of `repeats` redraws (the run computed and every view
        drawn), each finished by reading one pixel back from every canvas, which makes the
        browser rasterise what was drawn. `cold`: the cached backgrounds (axes, contours, data
        points, the map's cells) are redrawn too, as after a resize or a theme switch. */
    redrawTime(repeats, cold = false) {
      const times = [], parts = { compute: [] };
      for (const key of Object.keys(DRAW)) parts[key] = [];
      for (let k = 0; k < repeats; k++) {
        if (cold) for (const view of Object.values(views)) view.background = null;
        const t0 = performance.now();
        compute();
        let t = performance.now();
        parts.compute.push(t - t0);
        for (const [key, paint] of Object.entries(DRAW)) {
          paint();
          views[key].ctx.getImageData(0, 0, 1, 1);
          parts[key].push(-t + (t = performance.now()));
        }
        times.push(t - t0);
      }
      const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
      for (const key of Object.keys(parts)) parts[key] = median(parts[key]);
      return { median: median(times), max: times[times.length - 1], parts };
    },
    reducedMotion: () => reduceMotion.matches,
    colors: () => Object.assign({}, colors),
  };
})();
