// A cabinet's panel: its link and buffer, the lighting program in force and its next change, its devices' points with
// value, quality and age (live), a point's history on click, and for operators the lighting commands.
import { api } from './api.js';
import { historyChart } from './charts.js';
import { formatTime } from './alarms.js';

const FINAL_STATUSES = new Set(['done', 'failed', 'rejected', 'expired']);
const STATUS_RANK = { pending: 0, sent: 1, accepted: 2 };
const HISTORY_HOURS = 6;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'testid') {
      node.dataset.testid = value;
    } else if (key === 'text') {
      node.textContent = value;
    } else {
      node.setAttribute(key, value);
    }
  }
  node.append(...children);
  return node;
}

function age(timestamp, now) {
  if (!timestamp) {
    return '';
  }
  const seconds = Math.max(0, Math.round((now - Date.parse(timestamp)) / 1000));
  return seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;
}

function showValue(value, unit) {
  if (value === null || value === undefined) {
    return '—';
  }
  const text = typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : String(value);
  return unit ? `${text} ${unit}` : text;
}

export class CabinetPanel {
  constructor(holder, { canCommand, lampsOf, cabinetOf, onClose }) {
    this.holder = holder;
    this.canCommand = canCommand;
    this.lampsOf = lampsOf;
    this.cabinetOf = cabinetOf;
    this.onClose = onClose;
    this.gateway = null;
    this.rows = new Map();
    this.generation = 0;
    this.watchedCommand = null;
    setInterval(() => this.refreshAges(), 5000);
  }

  close() {
    this.gateway = null;
    this.generation++;
    this.holder.replaceChildren();
    this.onClose();
  }

  async open(gateway) {
    const generation = ++this.generation;
    this.gateway = gateway;
    this.rows = new Map();
    const cabinet = this.cabinetOf(gateway);
    const close = el('button', { type: 'button', text: 'close', id: 'panel-close' });
    close.addEventListener('click', () => this.close());
    this.link = el('dl', { testid: 'panel-link', class: 'kv' });
    this.program = el('div', { testid: 'panel-program' }, el('span', { class: 'muted', text: 'loading…' }));
    this.points = el('tbody');
    this.history = el('div', { id: 'history-holder' });
    const section = el('section', { testid: 'cabinet-panel', class: 'card', id: 'cabinet-panel' },
      el('div', { class: 'panel-head' }, el('h2', { text: `${gateway} · ${cabinet?.town ?? 'no town'}${cabinet?.district ? ` · ${cabinet.district}` : ''}` }), close),
      el('h3', { text: 'Link and buffer' }), this.link,
      el('h3', { text: 'Lighting program' }), this.program);
    section.dataset.gateway = gateway;
    if (this.canCommand()) {
      section.append(el('h3', { text: 'Command' }), this.commandControls(gateway));
    }
    section.append(el('h3', { text: 'Points (click one for its history)' }),
      el('div', { id: 'panel-points-holder' },
        el('table', { testid: 'panel-points' },
          el('thead', {}, el('tr', {}, el('th', { text: 'point' }), el('th', { text: 'value' }), el('th', { text: 'quality' }), el('th', { text: 'age' }))),
          this.points)),
      this.history);
    this.holder.replaceChildren(section);
    const [latest, gateways, lighting] = await Promise.all([
      api(`/api/v1/points/latest?gateway=${encodeURIComponent(gateway)}`),
      api('/api/v1/gateways'),
      api(`/api/v1/gateways/${encodeURIComponent(gateway)}/lighting`),
    ]);
    if (generation !== this.generation) {
      return;
    }
    this.latest = new Map(latest.map(p => [p.id ?? `#${p.alias}`, p]));
    this.info = gateways.find(g => g.id === gateway) ?? null;
    this.renderPoints();
    this.renderLink();
    this.renderProgram(lighting);
  }

  renderPoints() {
    const byDevice = new Map();
    for (const point of this.latest.values()) {
      const id = point.id ?? `#${point.alias}`;
      const device = id.startsWith('$edge/') ? '$edge' : id.includes('/') ? id.slice(0, id.indexOf('/')) : '(other)';
      if (!byDevice.has(device)) {
        byDevice.set(device, []);
      }
      byDevice.get(device).push(point);
    }
    const fragment = document.createDocumentFragment();
    const now = Date.now();
    for (const [device, points] of [...byDevice].sort((a, b) => a[0].localeCompare(b[0]))) {
      fragment.append(el('tr', { class: 'device' }, el('th', { colspan: '4', text: `device ${device} (${points.length} points)` })));
      for (const point of points.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''))) {
        fragment.append(this.pointRow(point, now));
      }
    }
    this.points.replaceChildren(fragment);
  }

  pointRow(point, now) {
    const id = point.id ?? `#${point.alias}`;
    const cells = {
      value: el('td', { text: showValue(point.value, point.unit) }),
      quality: el('td', { class: point.quality === 'good' ? 'q-good' : 'q-bad', text: point.quality ?? '—' }),
      age: el('td', { text: age(point.timestamp, now) }),
    };
    const row = el('tr', { testid: 'panel-point' }, el('td', { text: id }), cells.value, cells.quality, cells.age);
    row.dataset.point = id;
    row.addEventListener('click', () => this.showHistory(id, point.unit));
    this.rows.set(id, { row, cells, point });
    return row;
  }

  /** Live values of this cabinet (a stream values message). */
  applyValues(gateway, values) {
    if (gateway !== this.gateway || !this.latest) {
      return;
    }
    let added = false;
    const now = Date.now();
    for (const value of values) {
      const id = value.point ?? `#${value.alias}`;
      const point = { id: value.point, alias: value.alias, unit: value.unit, value: value.value, quality: value.quality, timestamp: value.timestamp };
      this.latest.set(id, point);
      const known = this.rows.get(id);
      if (!known) {
        added = true;
        continue;
      }
      known.point = point;
      known.cells.value.textContent = showValue(point.value, point.unit);
      known.cells.quality.textContent = point.quality;
      known.cells.quality.className = point.quality === 'good' ? 'q-good' : 'q-bad';
      known.cells.age.textContent = age(point.timestamp, now);
    }
    if (added) {
      this.renderPoints();
    }
    if (values.some(v => (v.point ?? '').startsWith('$edge/metrics/'))) {
      this.renderLink();
    }
  }

  applyGateway(message) {
    if (message.gateway !== this.gateway || !this.info) {
      return;
    }
    Object.assign(this.info, { online: message.online, lastSeen: message.lastSeen ?? this.info.lastSeen, epoch: message.epoch, bufferId: message.bufferId });
    this.renderLink();
  }

  refreshAges() {
    const now = Date.now();
    for (const { cells, point } of this.rows.values()) {
      cells.age.textContent = age(point.timestamp, now);
    }
  }

  renderLink() {
    const info = this.info;
    const metric = name => this.latest?.get(`$edge/metrics/${name}`)?.value;
    const pairs = [
      ['link', info ? (info.online ? 'online' : 'offline') : 'unknown'],
      ['last seen', info?.lastSeen ? formatTime(info.lastSeen) : '—'],
      ['epoch · buffer', info ? `${info.epoch} · ${info.bufferId || '(legacy)'}` : '—'],
      ['committed seqs', info?.committedSeqs ?? '—'],
      ['readings received', info?.readingsReceived ?? '—'],
      ['edge connected', showValue(metric('central/connected'))],
      ['buffered (edge)', `${showValue(metric('buffer/readings'))} readings, ${showValue(metric('buffer/batches'))} batches, ${showValue(metric('buffer/bytes'))} bytes`],
      ['oldest unsent', showValue(metric('buffer/oldest-unsent-age'), 's')],
      ['in flight · dropped', `${showValue(metric('central/in-flight-batches'))} · ${showValue(metric('buffer/readings-dropped'))}`],
      ['software', info?.softwareVersion || '—'],
    ];
    this.link.replaceChildren(...pairs.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })]));
    this.link.dataset.online = String(info?.online ?? false);
  }

  renderProgram(lighting) {
    this.program.dataset.state = lighting.state;
    const head = el('div', { class: 'muted', text: `set ${lighting.version || 'none'} · ${lighting.state}${lighting.appliedVersion ? ` · edge runs ${lighting.appliedVersion}` : ''}` });
    if (lighting.groups.length === 0) {
      this.program.replaceChildren(head, el('div', { text: 'no lighting program assigned' }));
      return;
    }
    const rows = lighting.groups.map(g => {
      const target = g.group === null ? `line ${g.line}` : `line ${g.line} group ${g.group}`;
      const now = g.problem ?? (g.program ? `${g.program} (calendar ${g.calendar}): ${g.levelPercent} % now` : `calendar ${g.calendar}: no program today`);
      const next = g.nextChange ? `next: ${g.nextChange.levelPercent} % at ${siteTime(g.nextChange.at, lighting.timeZone)} (${g.nextChange.source})` : 'no change within 3 days';
      return el('div', { class: 'program' }, el('strong', { text: `${target}: ` }), `${now}; ${next}`);
    });
    this.program.replaceChildren(head, ...rows);
  }

  async showHistory(point, unit) {
    const to = new Date();
    const from = new Date(to.getTime() - HISTORY_HOURS * 3600_000);
    const gateway = this.gateway;
    const query = `gateway=${encodeURIComponent(gateway)}&point=${encodeURIComponent(point)}&from=${from.toISOString()}&to=${to.toISOString()}&limit=5000`;
    const history = await api(`/api/v1/points/history?${query}`);
    if (gateway !== this.gateway) {
      return;
    }
    this.history.replaceChildren(el('h3', { text: `History of ${point}, last ${HISTORY_HOURS} h` }),
      historyChart(gateway, point, unit ?? history.unit, history.readings ?? [], history.from, history.to));
  }

  commandControls(gateway) {
    const lamps = this.lampsOf(gateway);
    const lines = [...new Set(lamps.map(l => l.line))].sort();
    const groupsOf = line => [...new Set(lamps.filter(l => l.line === line).flatMap(l => bits(l.groups)))].sort((a, b) => a - b);
    const target = el('select', { testid: 'command-target', id: 'command-target' });
    for (const line of lines) {
      target.append(new Option(`line ${line} (all its lamps)`, `line:${line}`));
    }
    for (const line of lines) {
      for (const group of groupsOf(line)) {
        const shared = lines.filter(l => groupsOf(l).includes(group)).length > 1;
        target.append(new Option(`group ${group} of ${line}`, shared ? `group:${group}@${line}` : `group:${group}`));
      }
    }
    const action = el('select', { testid: 'command-action', id: 'command-action' },
      new Option('dim to', 'dim'), new Option('switch on (100 %)', 'on'), new Option('switch off', 'off'), new Option('back to its program', 'resume'));
    const level = el('input', { testid: 'command-level', id: 'command-level', type: 'number', min: '0', max: '100', step: '1', value: '50', 'aria-label': 'level in percent' });
    const duration = el('select', { testid: 'command-duration', id: 'command-duration' },
      new Option('for 15 min', '900'), new Option('for 1 h', '3600'), new Option('for 4 h', '14400'), new Option('for 12 h', '43200'));
    duration.value = '3600';
    const send = el('button', { testid: 'command-send', id: 'command-send', type: 'button', text: 'send' });
    const status = el('span', { testid: 'command-status', id: 'command-status', class: 'muted' });
    action.addEventListener('change', () => {
      level.disabled = action.value !== 'dim';
      duration.disabled = action.value === 'resume';
    });
    if (lines.length === 0) {
      send.disabled = true;
      status.textContent = 'no DALI line known for this cabinet';
    }
    send.addEventListener('click', () => this.send(gateway, { target, action, level, duration, send, status }));
    return el('div', { testid: 'command-controls', id: 'command-controls' }, target, action, level, el('span', { text: '%' }), duration, send, status);
  }

  async send(gateway, { target, action, level, duration, send, status }) {
    const [kind, rest] = target.value.split(':');
    const [name, onLine] = rest.split('@');
    const line = kind === 'line' ? name : onLine ?? this.lampsOf(gateway).find(l => bits(l.groups).includes(Number(name)))?.line;
    const body = { gateway, action: 'lighting-override', line, group: kind === 'line' ? -1 : Number(name), expiresInSeconds: 120 };
    if (action.value !== 'resume') {
      const percent = action.value === 'on' ? 100 : action.value === 'off' ? 0 : Number(level.value);
      if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
        status.textContent = 'the level is a percentage 0-100';
        return;
      }
      body.levelPercent = percent;
      body.durationSeconds = Number(duration.value);
    }
    send.disabled = true;
    try {
      const issued = await api('/api/v1/commands', { method: 'POST', body });
      this.watch(issued.id, issued.status, status, send);
    } catch (error) {
      status.textContent = `refused: ${error.message}`;
      send.disabled = false;
    }
  }

  watch(id, first, status, send) {
    const label = id.slice(0, 8);
    this.watchedCommand = { id, status, send, final: false };
    status.dataset.command = id;
    const show = value => {
      if (this.watchedCommand?.id !== id || this.watchedCommand.final) {
        return;
      }
      const rank = STATUS_RANK[value] ?? 3;
      if (rank < (this.watchedCommand.rank ?? -1)) {
        return;
      }
      this.watchedCommand.rank = rank;
      status.textContent = `command ${label}: ${value}`;
      status.dataset.status = value;
      if (FINAL_STATUSES.has(value)) {
        this.watchedCommand.final = true;
        send.disabled = false;
      }
    };
    show(first);
    this.showCommandStatus = (commandId, value) => {
      if (commandId === id) {
        show(value);
      }
    };
    const poll = async () => {
      if (this.watchedCommand?.id !== id || this.watchedCommand.final) {
        return;
      }
      try {
        const command = await api(`/api/v1/commands/${id}`);
        const value = command.gateways?.[0]?.status;
        if (value) {
          show(value);
        }
      } catch (error) {
        console.warn('command status:', error.message);
      }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 500);
  }

  /** A stream command message. */
  applyCommand(message) {
    this.showCommandStatus?.(message.command, message.status);
  }
}

/** An instant with its offset (2026-12-05T16:50:06+01:00) as the site's wall-clock time: 2026-12-05 16:50 Europe/Paris. */
function siteTime(at, zone) {
  return `${at.slice(0, 10)} ${at.slice(11, 16)} ${zone ?? at.slice(19)}`;
}

export function bits(mask) {
  const result = [];
  for (let bit = 0; bit < 16; bit++) {
    if (mask & (1 << bit)) {
      result.push(bit);
    }
  }
  return result;
}
