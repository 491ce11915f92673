// The alarm and event list: alarms in force (GET /api/v1/alarms: conditions and gateways offline) and device events
// (GET /api/v1/events, then live from the stream), newest first, filtered by town and kind; operators acknowledge.
import { eventKey, eventSeverity } from './states.js';

export const ALARM_KINDS = ['offline', 'lamp-failure', 'gear-failure', 'not-answering', 'alarm', 'past-rated-life', 'event'];
const SEVERITY_RANK = { critical: 0, major: 1, minor: 2, info: 3 };
const MAX_EVENTS = 500;
const MAX_ROWS = 300;

export class AlarmList {
  constructor({ list, townFilter, kindFilter, counts, canAck, acknowledge }) {
    this.list = list;
    this.townFilter = townFilter;
    this.kindFilter = kindFilter;
    this.counts = counts;
    this.canAck = canAck;
    this.acknowledge = acknowledge;
    this.conditions = [];
    this.events = [];
    this.eventKeys = new Set();
    this.acked = new Map();
    kindFilter.replaceChildren(new Option('all', ''), ...ALARM_KINDS.map(k => new Option(k, k)));
    townFilter.addEventListener('change', () => this.render());
    kindFilter.addEventListener('change', () => this.render());
  }

  setTowns(towns) {
    const chosen = this.townFilter.value;
    this.townFilter.replaceChildren(new Option('all', ''), ...towns.map(t => new Option(t, t)));
    this.townFilter.value = towns.includes(chosen) ? chosen : '';
  }

  /** The alarms in force and the acknowledged events, as GET /api/v1/alarms answered. */
  setAlarms(response) {
    this.conditions = response.alarms.map(a => ({
      key: a.key, kind: a.kind, severity: a.severity, gateway: a.gateway, town: a.town, time: a.since,
      title: a.lamp ? `${a.kind} ${a.lamp}` : a.kind, detail: a.detail, acked: a.acked, ackedBy: a.ackedBy,
    }));
    for (const ack of response.eventAcks) {
      this.acked.set(ack.key, ack.by);
    }
    this.render();
  }

  /** Adds device events (from /api/v1/events or the stream), each once; townOf(gateway) for those without a town. */
  addEvents(events, townOf) {
    let added = false;
    for (const event of events) {
      const key = eventKey(event);
      if (this.eventKeys.has(key)) {
        continue;
      }
      this.eventKeys.add(key);
      added = true;
      this.events.push({
        key, kind: 'event', severity: eventSeverity(event.value), gateway: event.gateway, town: event.town ?? townOf(event.gateway),
        time: event.timestamp ?? '', title: `${event.device || event.point || 'event'}`, detail: String(event.value ?? ''),
      });
    }
    if (!added) {
      return;
    }
    this.events.sort((a, b) => a.time.localeCompare(b.time));
    while (this.events.length > MAX_EVENTS) {
      this.eventKeys.delete(this.events.shift().key);
    }
    this.render();
  }

  markAcked(acks) {
    for (const ack of acks) {
      this.acked.set(ack.key, ack.by);
      for (const row of this.conditions.filter(c => c.key === ack.key)) {
        row.acked = true;
        row.ackedBy = ack.by;
      }
    }
    this.render();
  }

  render() {
    const town = this.townFilter.value;
    const kind = this.kindFilter.value;
    const rows = [...this.conditions, ...this.events]
      .filter(r => (!town || r.town === town) && (!kind || r.kind === kind))
      .sort((a, b) => b.time.localeCompare(a.time) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
    const fragment = document.createDocumentFragment();
    for (const row of rows.slice(0, MAX_ROWS)) {
      fragment.append(this.row(row));
    }
    this.list.replaceChildren(fragment);
    const open = this.conditions.filter(c => !c.acked && !this.acked.has(c.key)).length;
    this.counts.textContent = `${this.conditions.length} in force (${open} not acknowledged), ${this.events.length} events`
      + (rows.length > MAX_ROWS ? `; newest ${MAX_ROWS} of ${rows.length} shown` : '');
  }

  row(row) {
    const acked = row.acked || this.acked.has(row.key);
    const li = document.createElement('li');
    li.dataset.testid = 'alarm';
    li.dataset.gateway = row.gateway;
    li.dataset.kind = row.kind;
    li.dataset.severity = row.severity;
    li.dataset.acked = String(acked);
    li.dataset.key = row.key;
    li.dataset.town = row.town ?? '';
    const severity = document.createElement('span');
    severity.className = `sev sev-${row.severity}`;
    severity.textContent = row.severity;
    const what = document.createElement('div');
    what.className = 'alarm-what';
    const by = acked ? ` · acknowledged by ${row.ackedBy ?? this.acked.get(row.key)}` : '';
    what.textContent = `${row.gateway} · ${row.title}`;
    const small = document.createElement('small');
    small.textContent = `${row.detail} · ${row.town ?? 'no town'} · ${formatTime(row.time)}${by}`;
    what.append(small);
    li.append(severity, what);
    if (this.canAck() && !acked) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.testid = 'ack';
      button.textContent = 'ack';
      button.addEventListener('click', () => {
        button.disabled = true;
        this.acknowledge([row.key]);
      });
      li.append(button);
    } else {
      li.append(document.createElement('span'));
    }
    return li;
  }
}

export function formatTime(iso) {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}
