// Charts drawn in SVG: a point's history (a line; booleans as steps) and energy per day against the references.

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 200;
const PAD = { left: 48, right: 10, top: 12, bottom: 28 };

function element(name, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) {
    node.setAttribute(key, String(value));
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function chartSvg(testid) {
  const svg = element('svg', { class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img' });
  svg.dataset.testid = testid;
  return svg;
}

function niceTicks(min, max, count = 4) {
  if (min === max) {
    return [min];
  }
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * magnitude).find(s => s >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step / 1e6; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

function axes(svg, yMin, yMax, yOf, xLabels) {
  for (const tick of niceTicks(yMin, yMax)) {
    const y = yOf(tick);
    svg.append(element('line', { class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y }));
    svg.append(element('text', { x: PAD.left - 4, y: y + 3, 'text-anchor': 'end' }, String(tick)));
  }
  for (const { x, text } of xLabels) {
    svg.append(element('text', { x, y: HEIGHT - 10, 'text-anchor': 'middle' }, text));
  }
}

/** A point's readings ({timestamp, value, quality}) as a line over time; text values are listed instead. */
export function historyChart(gateway, point, unit, readings, from, to) {
  const svg = chartSvg('history-chart');
  svg.dataset.gateway = gateway;
  svg.dataset.point = point;
  const numeric = readings
    .filter(r => r.timestamp && (typeof r.value === 'number' || typeof r.value === 'boolean'))
    .map(r => ({ t: Date.parse(r.timestamp), v: typeof r.value === 'boolean' ? Number(r.value) : r.value }));
  svg.dataset.readings = String(numeric.length);
  const t0 = Date.parse(from);
  const t1 = Date.parse(to);
  if (numeric.length === 0) {
    svg.append(element('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle' }, `no numeric reading of ${point} in this window`));
    return svg;
  }
  let yMin = Math.min(...numeric.map(r => r.v));
  let yMax = Math.max(...numeric.map(r => r.v));
  if (yMin === yMax) {
    yMin -= 1;
    yMax += 1;
  }
  const xOf = t => PAD.left + (t - t0) / Math.max(t1 - t0, 1) * (WIDTH - PAD.left - PAD.right);
  const yOf = v => HEIGHT - PAD.bottom - (v - yMin) / (yMax - yMin) * (HEIGHT - PAD.top - PAD.bottom);
  const labels = [0, 0.5, 1].map(f => {
    const t = t0 + f * (t1 - t0);
    return { x: xOf(t), text: new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) };
  });
  axes(svg, yMin, yMax, yOf, labels);
  const step = numeric.every(r => r.v === 0 || r.v === 1);
  let path = '';
  numeric.forEach((r, i) => {
    const x = xOf(r.t).toFixed(1);
    const y = yOf(r.v).toFixed(1);
    if (i === 0) {
      path += `M${x},${y}`;
    } else {
      path += step ? `H${x}V${y}` : `L${x},${y}`;
    }
  });
  svg.append(element('path', { class: 'series', d: path }));
  svg.append(element('text', { x: PAD.left + 4, y: PAD.top + 8 }, `${point}${unit ? ` (${unit})` : ''}: ${numeric.length} readings`));
  return svg;
}

/**
 * Energy per day: for each day, measured kWh beside the full-power and baseline references (GET /api/v1/energy?by=town,
 * summed over the towns shown).
 */
export function energyChart(days) {
  const svg = chartSvg('energy-chart');
  svg.dataset.days = String(days.length);
  if (days.length === 0) {
    svg.append(element('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle' }, 'no energy figures yet for these days'));
    return svg;
  }
  const yMax = Math.max(0.001, ...days.map(d => Math.max(d.measuredKwh, d.fullPowerKwh, d.baselineKwh)));
  const yOf = v => HEIGHT - PAD.bottom - v / yMax * (HEIGHT - PAD.top - PAD.bottom);
  const slot = (WIDTH - PAD.left - PAD.right) / days.length;
  const bar = Math.max(2, slot / 4);
  axes(svg, 0, yMax, yOf, days.map((d, i) => ({ x: PAD.left + slot * (i + 0.5), text: d.day.slice(5) })));
  days.forEach((d, i) => {
    const x = PAD.left + slot * i + (slot - bar * 3) / 2;
    [['measured', d.measuredKwh], ['full', d.fullPowerKwh], ['baseline', d.baselineKwh]].forEach(([kind, value], k) => {
      const rect = element('rect', { class: kind, x: x + k * bar, y: yOf(value), width: bar - 1, height: Math.max(0, yOf(0) - yOf(value)) });
      rect.append(element('title', {}, `${d.day} ${kind}: ${value.toFixed(2)} kWh`));
      svg.append(rect);
    });
  });
  svg.append(element('text', { x: PAD.left + 4, y: PAD.top + 8 }, 'kWh'));
  return svg;
}

export function energyLegend() {
  const legend = document.createElement('div');
  legend.className = 'legend muted';
  for (const [kind, label, colour] of [['measured', 'measured', 'var(--accent)'], ['full', 'at full power', '#556b84'], ['baseline', 'baseline (lamps replaced)', '#8a4b12']]) {
    const swatch = document.createElement('i');
    swatch.style.background = colour;
    swatch.dataset.kind = kind;
    legend.append(swatch, label);
  }
  return legend;
}
