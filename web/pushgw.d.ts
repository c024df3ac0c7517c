// Type declarations for web/pushgw.js, pushgw's browser client (API-compatible with
// the nginx push stream module's pushstream.js). Load pushgw.js with a <script> tag;
// it defines window.PushStream (when not already defined), window.PushGW and
// window.PushStreamManager.

/** The transports, tried in the order given by `modes`. */
type PushStreamMode = 'eventsource' | 'websocket' | 'stream' | 'longpolling';

/** The connection states reported to `onstatuschange`. */
type PushStreamState = 0 | 1 | 2;

interface PushStreamChannelOptions {
  /** Ask for the last N stored messages of this channel (the `.bN` path suffix). Sent
   *  until one connection has delivered it, never again on reconnects or later polls. */
  backtrack?: number;
}

interface PushStreamError {
  /** "load": the server refused the subscription (4xx/5xx, WebSocket close 1008); the
   *  next attempt waits reconnectOnChannelUnavailableInterval. "timeout": network error or
   *  the server ended the connection; the next attempt waits reconnectOnTimeoutInterval.
   *  Both back off exponentially with jitter while the failures continue. */
  type: 'load' | 'timeout';
  /** The mode of the failed connection. */
  mode?: PushStreamMode | null;
  /** HTTP status, when known (EventSource, long-polling, WebSocket close 1008). */
  status?: number;
  /** X-Nginx-PushStream-Explain text, when known, e.g. "Subscribed too much wildcard channels." */
  explain?: string;
  /** WebSocket close code and reason. */
  code?: number;
  reason?: string;
}

/** Everything known about a delivered message (7th argument of onmessage; pushgw.js only). */
interface PushStreamMessageInfo {
  id: number;
  channel: string;
  /** The text as passed to onmessage (URI-decoded unless textEncoding is "none"). */
  text: string;
  /** The text exactly as the server sent it. */
  rawText: string;
  eventId: string;
  /** The Event-Type it was published with; known in eventsource mode only. */
  eventType: string;
  /** Publish time as an HTTP date. */
  time: string;
  tag: number | null;
  mode: PushStreamMode | null;
}

interface PushStreamSettings {
  /** Default: the page's host name. */
  host?: string;
  /** Default: the page's port when host is not given, else 80 (443 with useSSL). */
  port?: number | string;
  /** Default: true when host is not given and the page is served over https. */
  useSSL?: boolean;

  /** Fallback order, '|'-separated or an array. Default 'eventsource|websocket|stream|longpolling'. */
  modes?: string | PushStreamMode[];

  urlPrefixPublisher?: string;   // '/pub'
  urlPrefixStream?: string;      // '/sub'
  urlPrefixEventsource?: string; // '/ev'
  urlPrefixLongpolling?: string; // '/lp'
  urlPrefixWebsocket?: string;   // '/ws'

  /** Put the channel path into ?channels= instead of the URL path (needs a server location configured that way). */
  channelsByArgument?: boolean;
  channelsArgument?: string;     // 'channels'

  /** pushstream.js sends the resume values as headers (long-polling only) unless this is
   *  true. pushgw.js always sends them as query arguments, which pushgw honours on every
   *  location; with false it also sends the long-polling headers the nginx module reads. */
  messagesControlByArgument?: boolean;
  tagArgument?: string;          // 'tag'
  timeArgument?: string;         // 'time'
  eventIdArgument?: string;      // 'eventid'
  /** Resume after this Event-Id on the first connection. */
  lastEventId?: string | null;
  /** First connection: messages published after this Date, or this many seconds ago (> 0), or all stored (< 0). */
  messagesPublishedAfter?: Date | number;

  /** Long-polling with <script> JSONP (set automatically when the publisher URL is cross-origin). */
  useJSONP?: boolean;

  jsonIdKey?: string;
  jsonChannelKey?: string;
  jsonTextKey?: string;
  jsonTagKey?: string;
  jsonTimeKey?: string;
  jsonEventIdKey?: string;

  /** ms allowed for the stream iframe to register; long-polling request timeout is timeout + 2000. Default 30000. */
  timeout?: number;
  /** ms of silence after which a stream or EventSource connection that has received at least
   *  one server ping is considered dead and reopened. Default 40000 (the reference layout
   *  pings every 30 s; pushstream.js's 30000 races those pings). */
  pingtimeout?: number;
  /** Base delay (ms) before reconnecting after a "timeout" error. Default 3000. */
  reconnectOnTimeoutInterval?: number;
  /** Base delay (ms) before reconnecting after a "load" error. Default 60000. */
  reconnectOnChannelUnavailableInterval?: number;
  /** Cap (ms) of the exponential backoff (never below the base delay). Default 60000. pushgw.js only. */
  reconnectMaxInterval?: number;
  /** Default true. */
  autoReconnect?: boolean;

  /** Extra query arguments for every subscriber URL. */
  extraParams?: () => Record<string, string | number | boolean | null | undefined>;

  /** EventSource mode uses fetch() to read the stream, so every event type reaches
   *  onmessage. true: use the browser's EventSource, which only sees unnamed events and
   *  the types listed in eventTypes. pushgw.js only. */
  nativeEventSource?: boolean;
  /** Named events listened for with nativeEventSource (default: the events-channel types
   *  channel_created, client_subscribed, client_unsubscribed, channel_destroyed). */
  eventTypes?: string[];
  /** 'uri' (default, as pushstream.js): sendMessage URI-encodes, onmessage decodes (a text
   *  that is not valid URI encoding is passed unchanged). 'none': texts go as they are. */
  textEncoding?: 'uri' | 'none';

  onmessage?: ((this: PushStream, text: string, id: number, channel: string, eventid: string,
    isLastMessageFromBatch: boolean, time: string, info: PushStreamMessageInfo) => void) | null;
  onchanneldeleted?: ((this: PushStream, channel: string, text: string) => void) | null;
  onstatuschange?: ((this: PushStream, state: PushStreamState) => void) | null;
  onerror?: ((this: PushStream, error: PushStreamError) => void) | null;
}

interface PushStreamSendOptions {
  /** Publish to these channels instead of all of this instance's channels (always over HTTP). */
  channels?: string | string[];
  eventId?: string;
  eventType?: string;
}

declare class PushStream {
  constructor(settings?: PushStreamSettings);

  static readonly CLOSED: 0;
  static readonly CONNECTING: 1;
  static readonly OPEN: 2;
  /** 'error' (default), 'info' or 'debug'. */
  static LOG_LEVEL: 'error' | 'info' | 'debug';
  /** Id of an element that receives a copy of the log. */
  static LOG_OUTPUT_ELEMENT_ID: string;
  static readonly pushgw: true;
  static readonly version: string;

  /** POST a message to a publisher URL, e.g. '/pub?id=ch1'. success gets the response
   *  text (channel info), error the HTTP status (0: network error). */
  static sendMessage(url: string, message: string, success?: (responseText: string) => void,
    error?: (status: number) => void, options?: {eventId?: string; eventType?: string; textEncoding?: 'uri' | 'none'}): XMLHttpRequest;
  /** Called by the stream iframe's header template (parent.PushStream.register(this)). */
  static register(iframeWindow: Window): void;

  readonly id: number;
  readonly readyState: PushStreamState;
  /** Current transport ("EventSource", "WebSocket", "Stream" or "LongPolling"), as in pushstream.js. */
  readonly wrapper: { type: string } | null;
  /** Current mode name (pushgw.js only). */
  readonly mode: PushStreamMode | null;
  /** The last error, and the delay chosen for the pending reconnect (pushgw.js only). */
  readonly lastError: PushStreamError | null;
  readonly reconnectDelay: number | null;
  readonly channels: Record<string, PushStreamChannelOptions>;
  readonly channelsCount: number;

  host: string;
  port: number;
  useSSL: boolean;
  onmessage: PushStreamSettings['onmessage'];
  onchanneldeleted: PushStreamSettings['onchanneldeleted'];
  onstatuschange: PushStreamSettings['onstatuschange'];
  onerror: PushStreamSettings['onerror'];

  /** Channel names must be URL-safe (encodeURIComponent(name) === name). While connected,
   *  channel changes reconnect once (resuming, without loss). */
  addChannel(channel: string, options?: PushStreamChannelOptions): void;
  removeChannel(channel: string): void;
  removeAllChannels(): void;
  connect(): void;
  /** Closes the connection; connect() later resumes where it stopped. */
  disconnect(): void;
  /** In websocket mode over the open WebSocket (to every channel of the connection);
   *  otherwise, or with options, POST to the publisher location. */
  sendMessage(message: string, success?: (responseText?: string) => void,
    error?: (status: number) => void, options?: PushStreamSendOptions): void;
}

declare const PushGW: typeof PushStream;
declare const PushStreamManager: PushStream[];

interface Window {
  PushStream: typeof PushStream;
  PushGW: typeof PushStream;
  PushStreamManager: PushStream[];
}
