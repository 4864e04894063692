// Connects to the bridge, subscribes to the `org` room and lists updates as they arrive.
// Reconnects with backoff and asks for the events it missed (`since` = last seq seen).
// Everything shown comes from the network, so it is rendered with textContent only.
"use strict";

const MAX_ITEMS = 500;
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30000;

// Close codes after which reconnecting with the same token cannot help.
const FINAL_CLOSE_CODES = new Map([
  [4001, "authentication failed or token expired: paste a new token and connect again"],
  [4003, "forbidden"],
  [4008, "authentication timed out"],
  [1002, "protocol error"],
  [1007, "invalid data sent"],
  [1008, "policy violation (too many messages)"],
  [1009, "message too big"],
]);

const elements = {
  form: document.getElementById("connect-form"),
  serverURL: document.getElementById("server-url"),
  token: document.getElementById("token"),
  connect: document.getElementById("connect"),
  disconnect: document.getElementById("disconnect"),
  clear: document.getElementById("clear"),
  status: document.getElementById("status"),
  updates: document.getElementById("updates"),
};

let socket = null;
let lastSeq = null;
let wantConnected = false;
let backoffMs = BACKOFF_START_MS;
let reconnectTimer = null;

function setStatus(text, isError = false) {
  elements.status.textContent = text;
  elements.status.className = isError ? "error" : "";
}

function connect() {
  const base = elements.serverURL.value.trim();
  const token = elements.token.value.trim();
  if (!base || !token) {
    setStatus("Enter a server URL and a token.", true);
    return;
  }
  let url;
  try {
    url = new URL(base);
  } catch {
    setStatus("The server URL is not a valid URL.", true);
    return;
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    setStatus("The server URL must start with ws:// or wss://.", true);
    return;
  }
  url.searchParams.set("access_token", token);

  setStatus("Connecting…");
  const ws = new WebSocket(url.toString());
  const resumed = lastSeq !== null;
  socket = ws;
  // Events from a socket that has since been replaced are ignored.
  ws.addEventListener("open", () => {
    if (ws !== socket) {
      return;
    }
    backoffMs = BACKOFF_START_MS;
    const subscribe = { type: "subscribe", room: "org" };
    if (resumed) {
      subscribe.since = lastSeq;
    }
    ws.send(JSON.stringify(subscribe));
  });
  ws.addEventListener("message", (event) => {
    if (ws === socket) {
      handleMessage(event.data, resumed);
    }
  });
  ws.addEventListener("close", (event) => {
    if (ws === socket) {
      handleClose(event.code, event.reason);
    }
  });
  // A failed connection attempt normally ends in `close`, but not in every runtime.
  ws.addEventListener("error", () => {
    if (ws === socket && ws.readyState !== WebSocket.OPEN) {
      handleClose(1006, "connection failed");
      ws.close();
    }
  });
}

function closeSocket() {
  const ws = socket;
  socket = null;
  if (ws) {
    ws.close(1000);
  }
}

function handleMessage(text, resumed) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return;
  }
  switch (message.type) {
  case "subscribed":
    // Without `since` the server starts from now; with it, the replay follows this message.
    if (!resumed && Number.isInteger(message.seq)) {
      lastSeq = message.seq;
    }
    setStatus(`Subscribed to ${message.room}; last seq ${lastSeq ?? "none"}.`);
    break;
  case "order_update":
  case "order_item_update":
    if (Number.isInteger(message.seq)) {
      if (lastSeq !== null && message.seq <= lastSeq) {
        return;
      }
      lastSeq = message.seq;
    }
    addUpdate(message);
    break;
  case "reset":
    // The missed events are no longer available: start over from the seq the server names.
    elements.updates.replaceChildren();
    lastSeq = Number.isInteger(message.seq) ? message.seq : null;
    setStatus(`History reset by the server at seq ${lastSeq ?? "?"}.`);
    break;
  case "auth_expiring":
    setStatus("Token about to expire: paste a fresh token and press Connect.", true);
    break;
  case "error":
    setStatus(`Server error: ${message.code}: ${message.message}`, true);
    break;
  default:
    break;
  }
}

function addUpdate(message) {
  const item = document.createElement("li");
  const title = document.createElement("div");
  const entity = message.itemId ? `${message.orderId} / ${message.itemId}` : message.orderId;
  title.textContent = `#${message.seq} ${message.type} ${message.action}: ${entity}`;
  const meta = document.createElement("div");
  meta.className = "meta";
  const received = Number.isFinite(message.receivedAt) ? new Date(message.receivedAt).toISOString() : "?";
  meta.textContent = `room ${message.room} · version ${message.version ?? "–"} · ` +
    `occurred ${message.occurredAt ?? "–"} · received ${received}`;
  const data = document.createElement("pre");
  data.textContent = JSON.stringify(message.data, null, 2);
  item.append(title, meta, data);
  elements.updates.prepend(item);
  while (elements.updates.childElementCount > MAX_ITEMS) {
    elements.updates.lastElementChild.remove();
  }
}

function handleClose(code, reason) {
  socket = null;
  const detail = reason ? `${code} ${reason}` : `${code}`;
  if (!wantConnected) {
    setStatus(`Disconnected (${detail}).`);
    return;
  }
  const final = FINAL_CLOSE_CODES.get(code);
  if (final) {
    stop(`Closed: ${final} (${detail}).`, true);
    return;
  }
  // 1001 restart, 1006 dropped, 1011 server error, 1013 slow consumer: retry later.
  const delay = Math.round(backoffMs * (0.5 + Math.random()));
  backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
  setStatus(`Connection closed (${detail}); reconnecting in ${(delay / 1000).toFixed(1)} s…`, true);
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null;
    if (wantConnected) {
      connect();
    }
  }, delay);
}

function stop(text, isError) {
  wantConnected = false;
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  elements.connect.disabled = false;
  elements.disconnect.disabled = true;
  setStatus(text, isError);
}

elements.form.addEventListener("submit", (event) => {
  event.preventDefault();
  closeSocket();
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  wantConnected = true;
  backoffMs = BACKOFF_START_MS;
  elements.connect.disabled = true;
  elements.disconnect.disabled = false;
  connect();
});

elements.disconnect.addEventListener("click", () => {
  stop("Disconnected.", false);
  closeSocket();
});

elements.clear.addEventListener("click", () => elements.updates.replaceChildren());
