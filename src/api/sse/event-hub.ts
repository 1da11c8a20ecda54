import { EventEmitter } from 'node:events';
import { openRedis, type RedisEndpoint } from '../../redis/redis-connection.js';
import { KEYS } from '../../store/keys.js';
import { toCampaignEvent, type CampaignEvent } from '../../store/campaign-events.js';

type Listener = (event: CampaignEvent) => void;

/**
 * Fans campaign events out to SSE clients: one blocking XREAD per watched campaign on a dedicated
 * connection, however many clients watch it, so 200 browsers cost one Redis connection.
 */
export class EventHub {
  private readonly emitter = new EventEmitter();
  private readonly readers = new Map<string, { stop: () => void }>();
  private closed = false;

  constructor(private readonly redisUrl: RedisEndpoint) {
    this.emitter.setMaxListeners(0);
  }

  /**
   * Call `listener` for events of `campaignId` appended from about now on (a backlog is the caller's
   * business: read it with XRANGE after subscribing and drop ids already sent). Returns the
   * unsubscribe function.
   */
  subscribe(campaignId: string, listener: Listener): () => void {
    const channel = `c:${campaignId}`;
    this.emitter.on(channel, listener);
    if (!this.readers.has(campaignId)) this.readers.set(campaignId, this.startReader(campaignId));
    return () => {
      this.emitter.off(channel, listener);
      if (this.emitter.listenerCount(channel) === 0) {
        this.readers.get(campaignId)?.stop();
        this.readers.delete(campaignId);
      }
    };
  }

  private startReader(campaignId: string): { stop: () => void } {
    const connection = openRedis(this.redisUrl, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    let running = true;
    let lastId = '0';
    const channel = `c:${campaignId}`;
    const loop = async (): Promise<void> => {
      // Start at the newest entry: subscribers read older ones themselves.
      const newest = await connection.xrevrange(KEYS.campaignEvents(campaignId), '+', '-', 'COUNT', 1).catch(() => []);
      lastId = newest[0]?.[0] ?? '0';
      while (running && !this.closed) {
        try {
          const reply = await connection.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', KEYS.campaignEvents(campaignId), lastId);
          for (const [, entries] of reply ?? []) {
            for (const [id, fields] of entries) {
              lastId = id;
              this.emitter.emit(channel, toCampaignEvent(id, fields));
            }
          }
        } catch {
          if (!running) break;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    void loop();
    return {
      stop: () => {
        running = false;
        connection.disconnect();
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const reader of this.readers.values()) reader.stop();
    this.readers.clear();
    this.emitter.removeAllListeners();
  }
}
