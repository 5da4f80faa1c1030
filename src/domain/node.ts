// A Redis server as the checks and the readers name it.
/** One Redis server as we talk to it: `host:port`, its role when known. */
export interface NodeRef {
  address: string;
  role: 'primary' | 'replica' | 'unknown';
}
