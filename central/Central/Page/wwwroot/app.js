// The operator page: sign-in, then the map, the alarm list, the energy chart and a cabinet's panel, kept live by the
// stream. Everything comes from central's API with the token the user typed.
import { api, openStream, session, storeToken, storedToken } from './api.js';
import { AlarmList } from './alarms.js';
import { energyChart, energyLegend } from './charts.js';
import { CityMap } from './map.js';
import { CabinetPanel } from './panel.js';
import { ALARM_KINDS, applyLampValue, cabinetState, lampState } from './states.js';

const $ = id => document.getElementById(id);
const ENERGY_DAYS = 14;

const state = {
  role: null,
  cabinets: [],
  byGateway: new Map(),
  lamps: [],
  lampsByGateway: new Map(),
  alarmGateways: new Set(),
  stream: null,
  alarmsTimer: null,
  timers: [],
};

const map = new CityMap($('map'), gateway => openPanel(gateway));
const canAct = () => state.role === 'operator' || state.role === 'admin';
const alarms = new AlarmList({
  list: $('alarms'), townFilter: $('alarm-town-filter'), kindFilter: $('alarm-kind-filter'), counts: $('alarm-counts'),
  canAck: canAct,
  acknowledge: async keys => {
    try {
      const answer = await api('/api/v1/alarms/ack', { method: 'POST', body: { keys } });
      alarms.markAcked(answer.acks);
    } catch (error) {
      console.warn('acknowledge:', error.message);
      alarms.render();
    }
  },
});
const panel = new CabinetPanel($('panel-holder'), {
  canCommand: canAct,
  lampsOf: gateway => [...(state.lampsByGateway.get(gateway)?.values() ?? [])],
  cabinetOf: gateway => state.byGateway.get(gateway),
  onClose: () => map.select(null),
});

$('signin-form').addEventListener('submit', event => {
  event.preventDefault();
  signIn($('token').value.trim());
});
$('signout').addEventListener('click', signOut);
$('map-zoom-in').addEventListener('click', () => map.zoom(1.5));
$('map-zoom-out').addEventListener('click', () => map.zoom(1 / 1.5));
$('map-fit').addEventListener('click', () => map.fit());
$('town-filter').addEventListener('change', () => {
  showMap(false);
  loadEnergy();
});

async function signIn(token) {
  const error = $('signin-error');
  error.hidden = true;
  if (!token) {
    error.textContent = 'type an API token';
    error.hidden = false;
    return;
  }
  let who;
  try {
    who = await session(token);
  } catch (failure) {
    error.textContent = `central did not answer: ${failure.message}`;
    error.hidden = false;
    return;
  }
  if (!who) {
    storeToken(null);
    error.textContent = 'this token is not valid (unknown or revoked)';
    error.hidden = false;
    return;
  }
  storeToken(token);
  $('token').value = '';
  state.role = who.role;
  $('who').textContent = who.name;
  $('role').textContent = who.role;
  $('signin-form').hidden = true;
  $('session').hidden = false;
  $('main').hidden = false;
  await loadAll(false);
  startStream();
  state.timers.push(setInterval(refreshCabinetStates, 30_000), setInterval(loadAlarms, 60_000), setInterval(loadEnergy, 600_000));
}

function signOut() {
  storeToken(null);
  clearTimeout(state.alarmsTimer);
  state.stream?.stop();
  state.stream = null;
  state.timers.forEach(clearInterval);
  state.timers = [];
  state.role = null;
  panel.close();
  $('main').hidden = true;
  $('session').hidden = true;
  $('signin-form').hidden = false;
  $('alarms').replaceChildren();
  $('lamp-index').replaceChildren();
  setStreamState('off');
}

async function loadAll(keepView = true) {
  await loadMap(keepView);
  await Promise.all([loadAlarms(), loadEvents(), loadEnergy()]);
}

async function loadMap(keepView = true) {
  const answer = await api('/api/v1/map');
  const now = Date.now();
  state.cabinets = answer.cabinets.map(c => ({
    gateway: c.gateway, town: c.town, district: c.district, lat: c.latitude, lon: c.longitude, online: c.online,
    lastSeenMs: c.lastSeen ? Date.parse(c.lastSeen) : 0, state: c.state,
  }));
  state.byGateway = new Map(state.cabinets.map(c => [c.gateway, c]));
  state.alarmGateways = new Set(state.cabinets.filter(c => c.state === 'alarm').map(c => c.gateway));
  state.lamps = answer.lamps.map(([index, id, lat, lon, lampStateName, level, groups, flags]) => {
    const cabinet = state.cabinets[index];
    return { gateway: cabinet.gateway, town: cabinet.town, id, line: id.includes('/') ? id.slice(0, id.lastIndexOf('/')) : id, lat, lon, state: lampStateName, level, groups, flags };
  });
  state.lampsByGateway = new Map();
  for (const lamp of state.lamps) {
    if (!state.lampsByGateway.has(lamp.gateway)) {
      state.lampsByGateway.set(lamp.gateway, new Map());
    }
    state.lampsByGateway.get(lamp.gateway).set(lamp.id, lamp);
  }
  const towns = [...new Set(state.cabinets.map(c => c.town).filter(Boolean))].sort();
  const townFilter = $('town-filter');
  const chosen = townFilter.value;
  townFilter.replaceChildren(new Option('all towns', ''), ...towns.map(t => new Option(t, t)));
  townFilter.value = towns.includes(chosen) ? chosen : '';
  alarms.setTowns(towns);
  state.cabinets.forEach(c => { c.state = cabinetState(c.online, c.lastSeenMs, c.state === 'alarm', now); });
  showMap(keepView);
}

function showMap(keepView) {
  const town = $('town-filter').value;
  const cabinets = town ? state.cabinets.filter(c => c.town === town) : state.cabinets;
  const lamps = town ? state.lamps.filter(l => l.town === town) : state.lamps;
  map.show(cabinets, lamps, keepView);
  $('map-counts').textContent = `${cabinets.length} cabinets, ${lamps.length} lamps`;
}

async function loadAlarms() {
  const answer = await api('/api/v1/alarms');
  alarms.setAlarms(answer);
  state.alarmGateways = new Set(answer.alarms.filter(a => ALARM_KINDS.has(a.kind)).map(a => a.gateway));
  refreshCabinetStates();
}

function scheduleAlarms() {
  clearTimeout(state.alarmsTimer);
  state.alarmsTimer = setTimeout(() => {
    if (state.role) {
      loadAlarms().catch(error => console.warn('alarms:', error.message));
    }
  }, 400);
}

async function loadEvents() {
  const from = new Date(Date.now() - 24 * 3600_000).toISOString();
  const answer = await api(`/api/v1/events?from=${from}&limit=1000`);
  alarms.addEvents(answer.events, townOf);
}

function townOf(gateway) {
  return state.byGateway.get(gateway)?.town ?? null;
}

async function loadEnergy() {
  const town = $('town-filter').value;
  const today = new Date();
  const day = offset => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  const query = `by=town&interval=day&from=${day(-(ENERGY_DAYS - 1))}&to=${day(1)}${town ? `&town=${encodeURIComponent(town)}` : ''}`;
  const answer = await api(`/api/v1/energy?${query}`);
  const days = new Map();
  for (const bucket of answer.buckets) {
    const key = bucket.start.slice(0, 10);
    const sum = days.get(key) ?? { day: key, measuredKwh: 0, fullPowerKwh: 0, baselineKwh: 0 };
    sum.measuredKwh += bucket.measuredKwh;
    sum.fullPowerKwh += bucket.fullPowerKwh;
    sum.baselineKwh += bucket.baselineKwh;
    days.set(key, sum);
  }
  $('energy-scope').textContent = `${town || 'all towns'}, last ${ENERGY_DAYS} days: measured against full power and the baseline`;
  $('energy-holder').replaceChildren(energyChart([...days.values()].sort((a, b) => a.day.localeCompare(b.day))), energyLegend());
}

function openPanel(gateway) {
  map.select(gateway);
  panel.open(gateway).catch(error => console.warn('panel:', error.message));
}

function refreshCabinetStates() {
  const now = Date.now();
  for (const cabinet of state.cabinets) {
    updateCabinet(cabinet, now);
  }
}

function updateCabinet(cabinet, now = Date.now()) {
  const lampAlarm = [...(state.lampsByGateway.get(cabinet.gateway)?.values() ?? [])].some(l => l.state === 'failed' || l.state === 'not-answering');
  cabinet.state = cabinetState(cabinet.online, cabinet.lastSeenMs, lampAlarm || state.alarmGateways.has(cabinet.gateway), now);
  map.setCabinetState(cabinet);
}

function setStreamState(value) {
  const element = $('stream-state');
  element.textContent = value;
  element.classList.toggle('live', value === 'live');
}

function startStream() {
  state.stream = openStream(onStreamMessage, setStreamState);
}

function onStreamMessage(name, data) {
  switch (name) {
    case 'values':
      onValues(data);
      break;
    case 'event':
      alarms.addEvents([data], townOf);
      break;
    case 'gateway':
      onGateway(data);
      break;
    case 'command':
      panel.applyCommand(data);
      break;
    case 'reset':
      loadAll().catch(error => console.warn('reload after reset:', error.message));
      break;
    default:
      break;
  }
}

function onValues(message) {
  const cabinet = state.byGateway.get(message.gateway);
  if (!cabinet) {
    if (message.values.some(v => (v.point ?? '').includes('.'))) {
      loadMap().catch(error => console.warn('map:', error.message));
    }
    return;
  }
  cabinet.lastSeenMs = Date.now();
  const lamps = state.lampsByGateway.get(message.gateway);
  let alarmPoint = false;
  for (const value of message.values) {
    const point = value.point ?? '';
    if (/\.(lamp-failure|gear-failure|answering)$/.test(point) || point.includes('/alarm-')) {
      alarmPoint = true;
    }
    const dot = point.lastIndexOf('.');
    const lamp = dot > 0 ? lamps?.get(point.slice(0, dot)) : undefined;
    if (lamp && applyLampValue(lamp, point.slice(dot + 1), value.value, value.quality)) {
      const next = lampState(cabinet.online, lamp.level, lamp.flags);
      if (next !== lamp.state) {
        lamp.state = next;
        map.setLampState(lamp);
      }
    }
  }
  updateCabinet(cabinet);
  panel.applyValues(message.gateway, message.values);
  if (alarmPoint) {
    scheduleAlarms();
  }
}

function onGateway(message) {
  const cabinet = state.byGateway.get(message.gateway);
  if (!cabinet) {
    loadMap().catch(error => console.warn('map:', error.message));
    return;
  }
  cabinet.online = message.online;
  cabinet.lastSeenMs = message.lastSeen ? Date.parse(message.lastSeen) : cabinet.lastSeenMs;
  for (const lamp of state.lampsByGateway.get(message.gateway)?.values() ?? []) {
    const next = lampState(cabinet.online, lamp.level, lamp.flags);
    if (next !== lamp.state) {
      lamp.state = next;
      map.setLampState(lamp);
    }
  }
  updateCabinet(cabinet);
  panel.applyGateway(message);
  scheduleAlarms();
  if (message.change === 'birth') {
    loadMap().catch(error => console.warn('map:', error.message));
  }
}

if (storedToken()) {
  signIn(storedToken());
}
