// How a lamp's and a cabinet's states follow from what central reports; the same rules as central's GET /api/v1/map
// (Api/MapSnapshot.cs), so live values change the map exactly as a reload would.

export const LAMP_FAILURE = 1;
export const GEAR_FAILURE = 2;
export const NOT_ANSWERING = 4;
export const LEVEL_NOT_GOOD = 8;
export const FULL_ARC_LEVEL = 254;
export const STALE_AFTER_MS = 5 * 60 * 1000;
export const ALARM_KINDS = new Set(['lamp-failure', 'gear-failure', 'not-answering', 'alarm']);

export function lampState(gatewayOnline, level, flags) {
  if (!gatewayOnline) {
    return 'stale';
  }
  if (flags & NOT_ANSWERING) {
    return 'not-answering';
  }
  if (flags & (LAMP_FAILURE | GEAR_FAILURE)) {
    return 'failed';
  }
  if (level === null || level === undefined || (flags & LEVEL_NOT_GOOD)) {
    return 'stale';
  }
  return level <= 0 ? 'off' : level >= FULL_ARC_LEVEL ? 'on' : 'dimmed';
}

export function cabinetState(online, lastSeenMs, alarm, nowMs) {
  if (!online) {
    return 'offline';
  }
  if (alarm) {
    return 'alarm';
  }
  return nowMs - lastSeenMs > STALE_AFTER_MS ? 'stale' : 'online';
}

/**
 * Applies one live value to a lamp's figures: returns true when the point is one of the lamp's (level, lamp-failure,
 * gear-failure, answering).
 */
export function applyLampValue(lamp, suffix, value, quality) {
  switch (suffix) {
    case 'level':
      if (typeof value === 'number') {
        lamp.level = value;
        lamp.flags = quality === 'good' ? lamp.flags & ~LEVEL_NOT_GOOD : lamp.flags | LEVEL_NOT_GOOD;
      }
      return true;
    case 'lamp-failure':
      lamp.flags = value === true ? lamp.flags | LAMP_FAILURE : lamp.flags & ~LAMP_FAILURE;
      return true;
    case 'gear-failure':
      lamp.flags = value === true ? lamp.flags | GEAR_FAILURE : lamp.flags & ~GEAR_FAILURE;
      return true;
    case 'answering':
      lamp.flags = value === false ? lamp.flags | NOT_ANSWERING : lamp.flags & ~NOT_ANSWERING;
      return true;
    default:
      return false;
  }
}

/** A device event's severity from its text: failures major, alarms and gear not answering minor, the rest info. */
export function eventSeverity(text) {
  const lower = String(text ?? '').toLowerCase();
  if (lower.includes('fail')) {
    return 'major';
  }
  if (lower.includes('alarm') || lower.includes('not answering') || lower.includes('not-answering')) {
    return 'minor';
  }
  return 'info';
}

/** An event's acknowledgement key, the one central's POST /api/v1/alarms/ack stores for it. */
export function eventKey(event) {
  return `event|${event.gateway}|${event.timestamp}|${event.alias}`;
}
