// The map: lamps on a canvas (tens of thousands stay cheap), cabinets and town outlines in an SVG above it, a metric
// grid, zoom (wheel, buttons) and pan (drag). Positions are projected locally (equirectangular around the centre of what
// is shown: metres east and north), which is exact enough over a city. Every lamp drawn has a hidden <li data-testid=lamp>
// in the lamp index carrying its state, updated in place.

const SVG_NS = 'http://www.w3.org/2000/svg';
const METRES_PER_DEGREE_LAT = 110_574;
const METRES_PER_DEGREE_LON = 111_320;
export const LAMP_STATES = ['on', 'dimmed', 'off', 'failed', 'not-answering', 'stale'];
export const CABINET_STATES = ['online', 'offline', 'stale', 'alarm'];

function cssColour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim() || '#888';
}

export class CityMap {
  constructor(container, onCabinetClick) {
    this.container = container;
    this.canvas = container.querySelector('canvas');
    this.svg = container.querySelector('svg');
    this.townLayer = this.svg.querySelector('#map-towns');
    this.cabinetLayer = this.svg.querySelector('#map-cabinets');
    this.scaleLabel = container.querySelector('#map-scale');
    this.lampIndex = document.getElementById('lamp-index');
    this.onCabinetClick = onCabinetClick;
    this.cabinets = [];
    this.lamps = [];
    this.towns = [];
    this.view = { scale: 1, cx: 0, cy: 0 };
    this.origin = null;
    this.pending = false;
    this.selected = null;
    this.colours = Object.fromEntries([...LAMP_STATES].map(s => [s, cssColour(s)]));
    this.bindInput();
    new ResizeObserver(() => this.redraw()).observe(container);
    this.legend();
  }

  legend() {
    const legend = this.container.querySelector('#map-legend');
    legend.replaceChildren();
    for (const state of LAMP_STATES) {
      const swatch = document.createElement('i');
      swatch.style.background = this.colours[state];
      legend.append(swatch, state);
    }
  }

  /** Shows these cabinets and lamps (already filtered by town): rebuilds the SVG cabinets and the lamp index. */
  show(cabinets, lamps, keepView = false) {
    this.cabinets = cabinets;
    this.lamps = lamps;
    const refit = !keepView || !this.origin || this.origin.empty;
    if (refit) {
      this.origin = this.centreOf([...cabinets, ...lamps]);
    }
    for (const item of [...cabinets, ...lamps]) {
      this.project(item);
    }
    const fragment = document.createDocumentFragment();
    for (const cabinet of cabinets) {
      const circle = document.createElementNS(SVG_NS, 'circle');
      circle.setAttribute('class', 'cabinet');
      circle.setAttribute('r', '7');
      circle.dataset.testid = 'cabinet';
      circle.dataset.gateway = cabinet.gateway;
      circle.dataset.town = cabinet.town ?? '';
      circle.dataset.state = cabinet.state;
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = `${cabinet.gateway} (${cabinet.town ?? 'no town'}): ${cabinet.state}`;
      circle.append(title);
      circle.addEventListener('click', event => {
        if (!this.justDragged) {
          event.stopPropagation();
          this.onCabinetClick(cabinet.gateway);
        }
      });
      cabinet.el = circle;
      if (cabinet.x === null) {
        circle.setAttribute('visibility', 'hidden');
      }
      fragment.append(circle);
    }
    this.cabinetLayer.replaceChildren(fragment);
    const items = document.createDocumentFragment();
    for (const lamp of lamps) {
      const li = document.createElement('li');
      li.dataset.testid = 'lamp';
      li.dataset.gateway = lamp.gateway;
      li.dataset.lamp = lamp.id;
      li.dataset.town = lamp.town ?? '';
      li.dataset.state = lamp.state;
      lamp.li = li;
      items.append(li);
    }
    this.lampIndex.replaceChildren(items);
    this.towns = this.townOutlines();
    if (refit) {
      this.fit();
    } else {
      this.redraw();
    }
    this.select(this.selected);
  }

  centreOf(items) {
    const placed = items.filter(i => i.lat !== null && i.lon !== null);
    if (placed.length === 0) {
      return { lat: 0, lon: 0, cos: 1, empty: true };
    }
    const lat = placed.reduce((sum, i) => sum + i.lat, 0) / placed.length;
    const lon = placed.reduce((sum, i) => sum + i.lon, 0) / placed.length;
    return { lat, lon, cos: Math.cos(lat * Math.PI / 180) };
  }

  project(item) {
    if (item.lat === null || item.lon === null) {
      item.x = null;
      item.y = null;
      return;
    }
    item.x = (item.lon - this.origin.lon) * this.origin.cos * METRES_PER_DEGREE_LON;
    item.y = (item.lat - this.origin.lat) * METRES_PER_DEGREE_LAT;
  }

  /** The convex hull of each town's cabinets and lamps, in metres. */
  townOutlines() {
    const byTown = new Map();
    for (const item of [...this.cabinets, ...this.lamps]) {
      if (item.x === null || !item.town) {
        continue;
      }
      if (!byTown.has(item.town)) {
        byTown.set(item.town, []);
      }
      byTown.get(item.town).push([item.x, item.y]);
    }
    const fragment = document.createDocumentFragment();
    const towns = [];
    for (const [name, points] of byTown) {
      const polygon = document.createElementNS(SVG_NS, 'polygon');
      polygon.setAttribute('class', 'town');
      const label = document.createElementNS(SVG_NS, 'text');
      label.setAttribute('class', 'town');
      label.textContent = name;
      fragment.append(polygon, label);
      towns.push({ name, hull: hull(points), polygon, label });
    }
    this.townLayer.replaceChildren(fragment);
    return towns;
  }

  fit() {
    const placed = [...this.cabinets, ...this.lamps].filter(i => i.x !== null);
    const { width, height } = this.size();
    if (placed.length === 0 || width === 0) {
      this.view = { scale: 0.05, cx: 0, cy: 0 };
    } else {
      const xs = placed.map(i => i.x);
      const ys = placed.map(i => i.y);
      const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const spanX = Math.max(maxX - minX, 200);
      const spanY = Math.max(maxY - minY, 200);
      this.view = { scale: Math.min(width / spanX, height / spanY) * 0.85, cx: (minX + maxX) / 2, cy: (minY + maxY) / 2 };
    }
    this.redraw();
  }

  size() {
    return { width: this.container.clientWidth, height: this.container.clientHeight };
  }

  zoom(factor, atX, atY) {
    const { width, height } = this.size();
    const px = atX ?? width / 2;
    const py = atY ?? height / 2;
    const before = this.toMetres(px, py);
    this.view.scale = Math.min(Math.max(this.view.scale * factor, 0.0005), 200);
    const after = this.toMetres(px, py);
    this.view.cx += before.x - after.x;
    this.view.cy += before.y - after.y;
    this.redraw();
  }

  toScreen(x, y) {
    const { width, height } = this.size();
    return [(x - this.view.cx) * this.view.scale + width / 2, height / 2 - (y - this.view.cy) * this.view.scale];
  }

  toMetres(px, py) {
    const { width, height } = this.size();
    return { x: (px - width / 2) / this.view.scale + this.view.cx, y: (height / 2 - py) / this.view.scale + this.view.cy };
  }

  bindInput() {
    this.container.addEventListener('wheel', event => {
      event.preventDefault();
      const box = this.container.getBoundingClientRect();
      this.zoom(event.deltaY < 0 ? 1.25 : 0.8, event.clientX - box.left, event.clientY - box.top);
    }, { passive: false });
    let drag = null;
    this.container.addEventListener('pointerdown', event => {
      drag = { x: event.clientX, y: event.clientY, cx: this.view.cx, cy: this.view.cy, moved: false };
      this.justDragged = false;
    });
    window.addEventListener('pointermove', event => {
      if (!drag) {
        return;
      }
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) {
        return;
      }
      drag.moved = true;
      this.container.classList.add('dragging');
      this.view.cx = drag.cx - dx / this.view.scale;
      this.view.cy = drag.cy + dy / this.view.scale;
      this.redraw();
    });
    window.addEventListener('pointerup', () => {
      if (drag?.moved) {
        this.justDragged = true;
        setTimeout(() => { this.justDragged = false; }, 0);
      }
      drag = null;
      this.container.classList.remove('dragging');
    });
  }

  /** Redraws on the next frame (many updates in one frame cost one drawing). */
  redraw() {
    if (this.pending) {
      return;
    }
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const { width, height } = this.size();
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * ratio) || this.canvas.height !== Math.round(height * ratio)) {
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(height * ratio);
    }
    const context = this.canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    this.drawGrid(context, width, height);
    const radius = Math.min(Math.max(this.view.scale * 3, 2), 6);
    for (const state of LAMP_STATES) {
      context.fillStyle = this.colours[state];
      context.beginPath();
      for (const lamp of this.lamps) {
        if (lamp.state !== state || lamp.x === null) {
          continue;
        }
        const [sx, sy] = this.toScreen(lamp.x, lamp.y);
        if (sx < -radius || sy < -radius || sx > width + radius || sy > height + radius) {
          continue;
        }
        if (radius < 3) {
          context.rect(sx - radius, sy - radius, radius * 2, radius * 2);
        } else {
          context.moveTo(sx + radius, sy);
          context.arc(sx, sy, radius, 0, Math.PI * 2);
        }
      }
      context.fill();
    }
    // Cabinets on the same spot (one site for several gateways) are spread around it so that each stays clickable.
    const taken = new Map();
    for (const cabinet of this.cabinets) {
      if (cabinet.x === null) {
        continue;
      }
      let [sx, sy] = this.toScreen(cabinet.x, cabinet.y);
      const spot = `${Math.round(sx / 6)},${Math.round(sy / 6)}`;
      const before = taken.get(spot) ?? 0;
      taken.set(spot, before + 1);
      if (before > 0) {
        const ring = Math.ceil(before / 6);
        const angle = (before % 6) * Math.PI / 3 + ring * 0.5;
        sx += Math.cos(angle) * 16 * ring;
        sy += Math.sin(angle) * 16 * ring;
      }
      cabinet.el.setAttribute('cx', sx.toFixed(1));
      cabinet.el.setAttribute('cy', sy.toFixed(1));
    }
    for (const town of this.towns) {
      const points = town.hull.map(([x, y]) => this.toScreen(x, y));
      town.polygon.setAttribute('points', points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '));
      const top = points.reduce((best, p) => (p[1] < best[1] ? p : best), points[0]);
      town.label.setAttribute('x', top[0].toFixed(1));
      town.label.setAttribute('y', (top[1] - 10).toFixed(1));
    }
  }

  drawGrid(context, width, height) {
    const steps = [1, 2, 5];
    let step = 10;
    for (let power = 1; power < 8; power++) {
      const candidate = steps.map(s => s * 10 ** power).find(s => s * this.view.scale >= 80);
      if (candidate) {
        step = candidate;
        break;
      }
    }
    const topLeft = this.toMetres(0, 0);
    const bottomRight = this.toMetres(width, height);
    context.strokeStyle = '#1c2836';
    context.lineWidth = 1;
    context.beginPath();
    for (let x = Math.floor(topLeft.x / step) * step; x <= bottomRight.x; x += step) {
      const [sx] = this.toScreen(x, 0);
      context.moveTo(Math.round(sx) + 0.5, 0);
      context.lineTo(Math.round(sx) + 0.5, height);
    }
    for (let y = Math.floor(bottomRight.y / step) * step; y <= topLeft.y; y += step) {
      const [, sy] = this.toScreen(0, y);
      context.moveTo(0, Math.round(sy) + 0.5);
      context.lineTo(width, Math.round(sy) + 0.5);
    }
    context.stroke();
    this.scaleLabel.textContent = `grid ${step >= 1000 ? `${step / 1000} km` : `${step} m`}`;
  }

  setCabinetState(cabinet) {
    if (cabinet.el && cabinet.el.dataset.state !== cabinet.state) {
      cabinet.el.dataset.state = cabinet.state;
      cabinet.el.firstChild.textContent = `${cabinet.gateway} (${cabinet.town ?? 'no town'}): ${cabinet.state}`;
    }
  }

  setLampState(lamp) {
    if (lamp.li && lamp.li.dataset.state !== lamp.state) {
      lamp.li.dataset.state = lamp.state;
    }
    this.redraw();
  }

  select(gateway) {
    this.selected = gateway;
    for (const cabinet of this.cabinets) {
      cabinet.el?.classList.toggle('selected', cabinet.gateway === gateway);
    }
  }
}

/** Andrew's monotone chain: the convex hull of [x, y] points, counter-clockwise. */
function hull(points) {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (sorted.length < 3) {
    return sorted;
  }
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) {
      lower.pop();
    }
    lower.push(p);
  }
  const upper = [];
  for (const p of sorted.reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) {
      upper.pop();
    }
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}
