// Central's API for the page: the token the user typed (sessionStorage: gone when the tab closes), JSON calls with it,
// and the live stream read with fetch() so that the token travels in the Authorization header (EventSource cannot
// send one, and a token in the URL would end up in logs).

const TOKEN_KEY = 'city-central-token';

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token) {
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path, options = {}) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${storedToken() ?? ''}` };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await response.text();
  const data = text.length > 0 && (response.headers.get('Content-Type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (!response.ok) {
    throw new ApiError(response.status, data?.error ?? `${response.status} ${response.statusText}`);
  }
  return data;
}

/** Who the token is: {name, role}, or null when central refuses it (401: unknown or revoked). */
export async function session(token) {
  const response = await fetch('/api/v1/session', { headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } });
  if (response.status === 401) {
    return null;
  }
  const data = await response.json();
  if (!response.ok) {
    throw new ApiError(response.status, data?.error ?? response.statusText);
  }
  return data;
}

/**
 * Reads GET /api/v1/stream until stopped: onMessage(eventName, data, id) per message, onState('live'|'connecting'|'off').
 * Reconnects after the server's retry delay with Last-Event-ID, so nothing is missed while the buffer holds it.
 */
export function openStream(onMessage, onState) {
  const controller = new AbortController();
  let lastId = null;
  let retryMs = 3000;
  let stopped = false;

  async function readOnce() {
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${storedToken() ?? ''}` };
    if (lastId) {
      headers['Last-Event-ID'] = lastId;
    }
    const response = await fetch('/api/v1/stream', { headers, signal: controller.signal, cache: 'no-store' });
    if (!response.ok || !response.body) {
      throw new ApiError(response.status, `stream: ${response.status}`);
    }
    onState('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { name: 'message', data: [], id: null };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      buffer += value;
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (event.data.length > 0) {
            if (event.id !== null) {
              lastId = event.id;
            }
            dispatch(event);
          }
          event = { name: 'message', data: [], id: null };
          continue;
        }
        if (line.startsWith(':')) {
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') {
          event.name = text;
        } else if (field === 'data') {
          event.data.push(text);
        } else if (field === 'id') {
          event.id = text;
        } else if (field === 'retry' && /^\d+$/.test(text)) {
          retryMs = Number(text);
        }
      }
    }
  }

  function dispatch(event) {
    let data;
    try {
      data = JSON.parse(event.data.join('\n'));
    } catch (error) {
      console.warn('stream: a message that is not JSON', error);
      return;
    }
    onMessage(event.name, data, event.id);
  }

  (async () => {
    while (!stopped) {
      onState('connecting');
      try {
        await readOnce();
      } catch (error) {
        if (stopped) {
          break;
        }
        console.warn('stream interrupted:', error.message);
      }
      if (stopped) {
        break;
      }
      onState('connecting');
      await new Promise(resolve => setTimeout(resolve, retryMs));
    }
    onState('off');
  })();

  return {
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}
