/* The explorable of "Why gradients vanish or explode": log10 ||dh_{t+k}/dh_t||_2 measured on a fixed random
 * orthogonal W_hh beside the bound k log10(gamma lambda_1). MODEL is printed from the proved SymPy objects by
 * derivations/explorable.py; this file multiplies the step Jacobians and accumulates the log of their
 * product's norm as rnn.span_log_norms does (the product rescaled to norm 1 after every step, the logs of
 * the scales summed, each norm found from the previous step's singular vector), and draws the plot. It runs
 * in the page and, at build time, in Node.js for the static figure that a reader without JavaScript sees. */
(() => {
  "use strict";
  const MODEL = __MODEL__;
  const MESSAGES = __MESSAGES__;
  const LN10 = Math.log(10);
  const SVG = "http://www.w3.org/2000/svg";

  /* Dense row-major matrices, and the four operations the printed model calls. */
  const M = {
    zeros: (rows, cols) => ({ rows, cols, data: new Float64Array(rows * cols) }),
    identity(n) {
      const out = M.zeros(n, n);
      for (let i = 0; i < n; i++) out.data[i * n + i] = 1;
      return out;
    },
    mul(a, b) {  // four rows of b at a time: the k n×n products are nearly all of the explorable's work
      const out = M.zeros(a.rows, b.cols), A = a.data, B = b.data, C = out.data, inner = a.cols, cols = b.cols;
      const fours = inner - (inner % 4);
      for (let i = 0; i < a.rows; i++) {
        const at = i * cols, from = i * inner;
        for (let l = 0; l < fours; l += 4) {
          const x0 = A[from + l], x1 = A[from + l + 1], x2 = A[from + l + 2], x3 = A[from + l + 3];
          const r0 = l * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
          for (let j = 0; j < cols; j++) C[at + j] += x0 * B[r0 + j] + x1 * B[r1 + j] + x2 * B[r2 + j] + x3 * B[r3 + j];
        }
        for (let l = fours; l < inner; l++) {
          const x = A[from + l], row = l * cols;
          for (let j = 0; j < cols; j++) C[at + j] += x * B[row + j];
        }
      }
      return out;
    },
    add(a, b) {
      const out = M.zeros(a.rows, a.cols);
      for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i] + b.data[i];
      return out;
    },
    map(f, a) {
      const out = M.zeros(a.rows, a.cols);
      for (let i = 0; i < out.data.length; i++) out.data[i] = f(a.data[i]);
      return out;
    },
    scaleRows(v, a) {
      const out = M.zeros(a.rows, a.cols);
      for (let i = 0; i < a.rows; i++) {
        for (let j = 0; j < a.cols; j++) out.data[i * a.cols + j] = v.data[i] * a.data[i * a.cols + j];
      }
      return out;
    },
  };

  const dot = (x, y) => { let s = 0; for (let i = 0; i < x.length; i++) s += x[i] * y[i]; return s; };
  const norm = (x) => Math.sqrt(dot(x, x));
  function times(P, v) {  // P v
    const n = P.rows, out = new Float64Array(n);
    for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += P.data[i * n + j] * v[j]; out[i] = s; }
    return out;
  }
  function timesTransposed(P, w) {  // Pᵀ w
    const n = P.rows, out = new Float64Array(n);
    for (let i = 0; i < n; i++) { const x = w[i]; for (let j = 0; j < n; j++) out[j] += P.data[i * n + j] * x; }
    return out;
  }

  /* The largest eigenvalue of the symmetric tridiagonal matrix with diagonal a and off-diagonal b, by
   * bisection on Sturm counts (how many eigenvalues exceed x) until the interval stops shrinking. */
  function largestEigenvalue(a, b) {
    let low = Infinity, high = -Infinity;
    for (let i = 0; i < a.length; i++) {  // Gershgorin discs
      const radius = Math.abs(b[i - 1] || 0) + Math.abs(b[i] || 0);
      low = Math.min(low, a[i] - radius); high = Math.max(high, a[i] + radius);
    }
    const above = (x) => {
      let count = 0, d = 1;
      for (let i = 0; i < a.length; i++) {
        d = a[i] - x - (i ? b[i - 1] ** 2 / d : 0);
        if (d === 0) d = -1e-300;
        if (d > 0) count += 1;
      }
      return count;
    };
    for (;;) {
      const middle = (low + high) / 2;
      if (middle <= low || middle >= high) return high;
      if (above(middle) > 0) low = middle; else high = middle;
    }
  }

  /* Its eigenvector: inverse iteration with the tridiagonal matrix shifted just past the eigenvalue
   * (negative definite, so elimination needs no pivoting). */
  function tridiagonalEigenvector(a, b, theta) {
    const m = a.length, shift = theta + 1e-13 * Math.abs(theta) + 1e-300;
    let y = new Float64Array(m).fill(1);
    for (let round = 0; round < 2; round++) {
      const c = new Float64Array(m), d = new Float64Array(m), x = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        const diagonal = a[i] - shift - (i ? (b[i - 1] * c[i - 1]) : 0);
        c[i] = i < m - 1 ? b[i] / diagonal : 0;
        d[i] = (y[i] - (i ? b[i - 1] * d[i - 1] : 0)) / diagonal;
      }
      for (let i = m - 1; i >= 0; i--) x[i] = d[i] - (i < m - 1 ? c[i] * x[i + 1] : 0);
      const size = norm(x);
      y = x.map((value) => value / size);
    }
    return y;
  }

  /* ‖P‖₂ and its right singular vector: the largest eigenpair of PᵀP by Lanczos with full
   * reorthogonalisation, started from the previous step's vector. The Krylov space fills all n dimensions
   * in at most n steps, where the value is exact; Lanczos stops sooner once its largest Ritz value grows
   * by no more than 1e-15 of itself, or the space closes. */
  function spectralNorm(P, start) {
    const n = P.rows, basis = [], a = [], b = [];
    let q = start || Float64Array.from({ length: n }, (_, i) => 1 + i / n), size = norm(q), theta = 0;
    q = q.map((x) => x / size);
    for (let j = 0; j < n; j++) {
      basis.push(q);
      const w = timesTransposed(P, times(P, q));
      a.push(dot(q, w));
      for (let pass = 0; pass < 2; pass++) {
        for (const u of basis) { const c = dot(u, w); for (let i = 0; i < n; i++) w[i] -= c * u[i]; }
      }
      const previous = theta;
      theta = largestEigenvalue(a, b);
      size = norm(w);
      if (size <= 1e-14 * theta || (j > 0 && theta - previous <= 1e-15 * theta)) break;
      b.push(size);
      q = w.map((x) => x / size);
    }
    if (theta <= 0) return [0, basis[0]];
    const y = tridiagonalEigenvector(a, b.slice(0, a.length - 1), theta), v = new Float64Array(n);
    basis.forEach((u, j) => { for (let i = 0; i < n; i++) v[i] += y[j] * u[i]; });
    size = norm(v);
    return [Math.sqrt(theta), v.map((x) => x / size)];
  }

  /* A fixed pseudo-random stream (xorshift32) and standard normal draws from it (Box–Muller). */
  function normals(seed, count) {
    let x = (seed * 2654435761) >>> 0 || 1;
    const uniform = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return (x + 1) / 4294967297; };
    const out = new Float64Array(count);
    for (let i = 0; i < count; i += 2) {
      const r = Math.sqrt(-2 * Math.log(uniform())), angle = 2 * Math.PI * uniform();
      out[i] = r * Math.cos(angle);
      if (i + 1 < count) out[i + 1] = r * Math.sin(angle);
    }
    return out;
  }

  /* A random orthogonal matrix: Gram–Schmidt, twice, on the columns of the n×n Gaussian matrix ``gaussian``. */
  function orthogonal(n, gaussian) {
    const Q = { rows: n, cols: n, data: Float64Array.from(gaussian) };
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < j; i++) {
          let dot = 0;
          for (let l = 0; l < n; l++) dot += Q.data[l * n + i] * Q.data[l * n + j];
          for (let l = 0; l < n; l++) Q.data[l * n + j] -= dot * Q.data[l * n + i];
        }
        let size = 0;
        for (let l = 0; l < n; l++) size += Q.data[l * n + j] ** 2;
        size = Math.sqrt(size);
        for (let l = 0; l < n; l++) Q.data[l * n + j] /= size;
      }
    }
    return Q;
  }

  const SPAN_MAX = MODEL.sliders.span[1];
  const INPUTS = normals(MODEL.seeds.inputs, SPAN_MAX);

  /* The fixed random draws of width n: the orthogonal Q and W_xh, made once per width. */
  const drawn = new Map();
  function draws(n) {
    if (!drawn.has(n)) {
      const gaussian = normals(MODEL.seeds.weights + n, n * n + n);
      drawn.set(n, { Q: orthogonal(n, gaussian.subarray(0, n * n)), W_xh: { rows: n, cols: 1, data: gaussian.slice(n * n) } });
    }
    return drawn.get(n);
  }

  /* The network for the settings: W_hh = λ₁ Q with Q the fixed random orthogonal matrix of width n and
   * λ₁ = ratio / γ, W_xh Gaussian, b_h = h_0 = 0, and the fixed input sequence times the input scale. */
  function network(settings) {
    const n = settings.width, model = MODEL.activations[settings.activation], { Q, W_xh } = draws(n);
    const lambda1 = settings.ratio / model.gamma;
    return { model, lambda1, W_hh: M.map((q) => lambda1 * q, Q), W_xh, b_h: M.zeros(n, 1), h0: M.zeros(n, 1),
             xs: Array.from(INPUTS, (xi) => settings.scale * xi) };
  }

  /* A run: log ‖∂h_{t+j}/∂h_t‖₂ for j = 1 … done, computed so far for the settings (the span aside). */
  function start(settings) {
    const net = network(settings);
    return { settings: { ...settings }, net, product: M.identity(settings.width), h: net.h0, v: null, total: 0,
             done: 0, logs: new Float64Array(SPAN_MAX).fill(-Infinity), zeroFrom: null };
  }

  /* Advance the run to the span, or until performance.now() passes the deadline; true when it got there. */
  function advance(run, span, deadline) {
    const { net } = run;
    while (run.done < span && run.zeroFrom === null) {
      const x = { rows: 1, cols: 1, data: Float64Array.of(net.xs[run.done]) };
      run.product = M.mul(net.model.jacobian(net.W_hh, net.W_xh, net.b_h, run.h, x), run.product);
      run.h = net.model.step(net.W_hh, net.W_xh, net.b_h, run.h, x);
      const [scale, v] = spectralNorm(run.product, run.v);
      run.v = v;
      if (scale === 0) { run.zeroFrom = run.done + 1; break; }
      run.total += Math.log(scale);
      run.product = M.map((p) => p / scale, run.product);
      run.logs[run.done] = run.total;
      run.done += 1;
      if (performance.now() > deadline) break;
    }
    return run.done >= span || run.zeroFrom !== null;
  }

  /* --- Drawing --- */

  const format = (x, digits = 2) => (Object.is(x, -0) ? 0 : x).toFixed(digits).replace("-", "−");
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key]);

  function ticks(low, high, count) {
    const raw = (high - low) / count, power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw);
    const out = [];
    for (let t = Math.ceil(low / step) * step; t <= high + 1e-9 * step; t += step) out.push(Math.round(t / step) * step);
    return out;
  }

  /* log₁₀ ‖∂h_{t+j}/∂h_t‖₂ for j = 1 … min(span, what the run has computed), finite values only. */
  const measured = (run, span) => Array.from(run.logs.subarray(0, Math.min(span, run.done)), (l) => l / LN10);

  /* The plot as SVG markup: measured log-norms (solid) and the bound (dashed) against k. */
  function plot(run, span, text, width = 640) {
    const height = 320, left = 64, right = 16, top = 34, bottom = 44;
    const { model, lambda1 } = run.net;
    const bound = (k) => MODEL.logBound(k, model.gamma, lambda1);
    const shown = measured(run, span), values = shown.concat([0, bound(span)]);
    let low = Math.min(...values), high = Math.max(...values);
    if (high - low < 1) { low -= 0.5; high += 0.5; }
    const X = (k) => (left + (k / span) * (width - left - right)).toFixed(1);
    const Y = (y) => (top + ((high - y) / (high - low)) * (height - top - bottom)).toFixed(1);
    const grid = ticks(low, high, 5).map((y) =>
      `<line class="grid" x1="${left}" x2="${width - right}" y1="${Y(y)}" y2="${Y(y)}"/>` +
      `<text x="${left - 6}" y="${Number(Y(y)) + 4}" text-anchor="end">${format(y, Number.isInteger(y) ? 0 : 1)}</text>`);
    const kTicks = ticks(0, span, 5).filter(Number.isInteger).map((k) =>
      `<text x="${X(k)}" y="${height - bottom + 16}" text-anchor="middle">${k}</text>`);
    const points = [0].concat(shown).map((y, k) => `${X(k)},${Y(y)}`).join(" ");
    return `<svg xmlns="${SVG}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${text.plotLabel}">` +
      grid.join("") + kTicks.join("") +
      `<line class="axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}"/>` +
      `<text x="${(left + width - right) / 2}" y="${height - 6}" text-anchor="middle">${text.xLabel}</text>` +
      `<text transform="translate(14 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${text.yLabel}</text>` +
      `<line class="bound" x1="${X(0)}" y1="${Y(0)}" x2="${X(span)}" y2="${Y(bound(span))}"/>` +
      `<polyline class="measured" points="${points}"/>` +
      `<g class="legend" transform="translate(${left} 12)">` +  // above the plot, where no line goes
      `<line class="measured" x1="0" x2="24" y1="0" y2="0"/><text x="30" y="4">${text.measured}</text>` +
      `<line class="bound" x1="120" x2="144" y1="0" y2="0"/><text x="150" y="4">${text.bound}</text></g></svg>`;
  }

  /* The sentence under the plot: Pascanu's region, named by the limit of the bound, and the values at k. */
  function summary(run, span, text) {
    const { net } = run, gamma = net.model.gamma, limit = MODEL.boundLimit(gamma, net.lambda1);
    const region = limit === 0 ? text.vanish : limit === 1 ? text.threshold : text.explode;
    const shown = measured(run, span);
    const at = run.zeroFrom !== null && run.zeroFrom <= span ? fill(text.zero, { k: run.zeroFrom })
      : fill(text.values, { k: shown.length, measured: format(shown.length ? shown[shown.length - 1] : 0),
                            bound: format(MODEL.logBound(shown.length, gamma, net.lambda1)) });
    return fill(region, { rate: format(gamma * net.lambda1) }) + text.space + at;
  }

  function defaults() {
    const s = MODEL.sliders;
    return { activation: Object.keys(MODEL.activations)[0], ratio: s.ratio[3], scale: s.scale[3], span: s.span[3],
             width: s.width[3] };
  }

  /* The figure for the default settings, computed in full: the build shows it to readers without JavaScript. */
  function staticFigure(lang) {
    const settings = defaults(), run = start(settings);
    advance(run, settings.span, Infinity);
    return { svg: plot(run, settings.span, MESSAGES[lang]), summary: summary(run, settings.span, MESSAGES[lang]) };
  }

  globalThis.RnnExplorable = { MODEL, start, advance, measured, defaults, staticFigure };
  if (typeof document === "undefined" || !document.currentScript) return;

  /* --- The page: controls, and redrawing in slices of about 25 ms so that no slider waits for a long run --- */

  const figure = document.currentScript.closest("figure.explorable");
  const text = MESSAGES[figure.dataset.lang];
  const plotBox = figure.querySelector(".explorable-plot"), said = figure.querySelector(".explorable-summary");
  const form = figure.querySelector("form");
  const settings = defaults();
  const labels = { ratio: text.ratio, scale: text.scale, span: text.span, width: text.width };
  const radios = Object.keys(MODEL.activations).map((name) => `<label><input type="radio" name="activation" ` +
    `value="${name}"${name === settings.activation ? " checked" : ""}> ${name}</label>`);
  form.innerHTML = `<fieldset><legend>${text.activation}</legend>${radios.join("")}</fieldset>` +
    Object.entries(labels).map(([name, label]) => {
      const [least, most, step, value] = MODEL.sliders[name];
      return `<div class="explorable-slider"><label for="explorable-${name}">${label}</label>` +
        `<input type="range" id="explorable-${name}" name="${name}" min="${least}" max="${most}" step="${step}" ` +
        `value="${value}"><output for="explorable-${name}">${value}</output></div>`;
    }).join("");
  form.hidden = false;

  const FIRST_SLICE = 12, SLICE = 25;  // ms of computing before the first redraw (one step at least), and between redraws
  let run = null, ticket = 0, started = 0, redrawn = false;
  function work(mine) {
    if (mine !== ticket) return;  // a newer setting took over
    const finished = advance(run, settings.span, performance.now() + (redrawn ? SLICE : FIRST_SLICE));
    plotBox.innerHTML = plot(run, settings.span, text, Math.max(320, Math.min(plotBox.clientWidth, 800)) || 640);
    if (!redrawn) figure.dataset.firstDraw = (performance.now() - started).toFixed(1);
    redrawn = true;
    said.textContent = summary(run, settings.span, text) +
      (finished ? "" : text.space + fill(text.computing, { done: run.done, k: settings.span }));
    said.setAttribute("aria-busy", String(!finished));  // screen readers hear the sentence once, when it is final
    if (!finished) { setTimeout(() => work(mine), 0); return; }
    figure.dataset.state = "done";
    figure.dataset.milliseconds = (performance.now() - started).toFixed(1);
  }
  function update() {
    started = performance.now();
    redrawn = false;
    const same = run && ["activation", "ratio", "scale", "width"].every((key) => run.settings[key] === settings[key]);
    if (!same) run = start(settings);  // a new span alone reuses what the run has computed
    figure.dataset.state = "computing";
    ticket += 1;
    work(ticket);
  }
  form.addEventListener("input", (event) => {
    const input = event.target;
    settings[input.name] = input.type === "radio" ? input.value : Number(input.value);
    if (input.type === "range") input.nextElementSibling.textContent = input.value;
    update();
  });
  globalThis.RnnExplorable.current = () => ({
    settings: { ...settings }, log10: measured(run, settings.span), zeroFrom: run.zeroFrom,
    W_hh: Array.from(run.net.W_hh.data), W_xh: Array.from(run.net.W_xh.data), xs: run.net.xs.slice(0, settings.span),
  });
  update();
})();
